// The page of one process: the draft in the BPMN modeler (palette, context pad, undo/redo,
// zoom, keyboard, import and download of the XML) with Parley's properties panel beside it,
// checked while drawing; "Save draft", and "Publish", which saves what is unsaved and is one
// click once nothing is marked; "Edit draft" for the name, scope and variables; then the
// versions side by side and the live chats whose bindings start the process.

import * as api from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';
import { processDialog } from '../procform.js';
import { blankDiagram, createModeler, download } from '../modeler/modeler.js';
import { checker } from '../modeler/check.js';
import { mountProperties } from '../modeler/parley.js';
import { bindingsTable, versionPanes } from '../modeler/versions.js';

const { get, post, put } = api;
const root = $('[data-process]');
const code = root.dataset.process;
const base = `/api/v1/processes/${encodeURIComponent(code)}`;
const result = $('[data-publish-result]');
const publishButton = $('[data-action="publish"]');
const saveButton = $('[data-action="save"]');
const state = $('[data-publish-state]');

let def = null;
let variables = [];
let modeler = null;
let panel = null;
let check = null;
let dirty = false;
let problems = null; // null until the first check answers
let checkFailed = ''; // why the newest check could not run, if it could not

async function load() {
  def = await get(base);
  variables = def.variables || [];
  drawHead();
  drawVariables();
  if (!modeler) await startModeler();
  await importDraft(def.bpmn || blankDiagram(def.code, def.name), !def.bpmn);
  versions.refresh(def).catch((err) => toast(err.message, 'error'));
  bindingsTable({ table: $('[data-bindings]'), empty: $('[data-no-bindings]'), base }).catch((err) => toast(err.message, 'error'));
}

function drawHead() {
  document.title = `${def.name} · Parley`;
  $('[data-title]').textContent = def.name;
  $('[data-summary]').textContent = `${def.code} · scope ${def.scope} · ` + (def.published_version
    ? `version ${def.published_version} ${def.unpublished ? 'withdrawn' : 'published'}` : 'never published') + ` · draft updated ${when(def.updated_at)}`;
  $('[data-action="unpublish"]').hidden = !def.published_version || def.unpublished;
}

function drawVariables() {
  replace($('[data-variables] tbody'), variables.map((v) => h('tr', { dataset: { variable: v.name } },
    h('td', {}, h('code', {}, v.name)), h('td', {}, v.type), h('td', {}, v.required ? 'yes' : 'no'), h('td', {}, v.title || ''))));
  $('[data-no-variables]').hidden = variables.length > 0;
}

async function startModeler() {
  modeler = await createModeler({ container: $('[data-canvas]'), zeebeURL: root.dataset.zeebe });
  // An import clears the command stack, which bpmn-js also reports as a change; it is not one.
  modeler.on('commandStack.changed', (ev) => { if (ev.trigger !== 'clear') changed(); });
  check = checker({ modeler, draft, list: $('[data-problems]'), onResult: checked });
  window.parleyModeler = modeler; // for the browser tests' geometry, and for people's consoles
}

// importDraft shows xml in the modeler; a new draft (fresh) counts as unsaved.
async function importDraft(xml, fresh) {
  try {
    const { warnings } = await modeler.importXML(xml);
    if (warnings.length) toast(`The diagram was read with ${warnings.length} warning(s): ${warnings[0].message}`, 'info');
  } catch (err) {
    toast(`The diagram cannot be read: ${err.message}`, 'error');
  }
  modeler.get('canvas').zoom('fit-viewport', 'auto');
  mountPanel();
  setDirty(fresh);
  check.now();
}

function mountPanel() {
  if (panel) panel.destroy();
  panel = mountProperties({
    modeler, container: $('[data-props]'), api, definition: { ...def, variables },
    onVariablesChange: (vars) => { variables = vars; drawVariables(); changed(); },
  });
}

async function draft() {
  const { xml } = await modeler.saveXML({ format: true });
  return { code: def.code, name: def.name, scope: def.scope, variables, bpmn: xml };
}

function changed() {
  setDirty(true);
  problems = null;
  drawState();
  check.schedule();
}

function setDirty(d) {
  dirty = d;
  saveButton.disabled = !dirty;
  drawState();
}

// checked draws the newest check's answer: the problem list's title, the warnings, and
// whether Publish may be pressed.
function checked(out) {
  const warningsList = $('[data-check-warnings]');
  if (out.error) {
    // Publish checks again on the server: an unanswered check must not block it.
    problems = [];
    checkFailed = out.error.message;
    replace($('[data-problems]'));
    $('[data-problems-title]').textContent = `The draft could not be checked: ${checkFailed}`;
    warningsList.hidden = true;
    drawState();
    return;
  }
  checkFailed = '';
  problems = out.problems;
  const n = problems.length;
  $('[data-problems-title]').textContent = n ? `${n} problem${n > 1 ? 's' : ''} to fix before publishing` : 'No problems: the draft can be published.';
  $('[data-problems-box]').classList.toggle('has-problems', n > 0);
  replace(warningsList, (out.warnings || []).map((w) => h('li', {}, w.source ? `${w.source}: ${w.message}` : w.message)));
  warningsList.hidden = !(out.warnings || []).length;
  drawState();
}

// drawState says why Publish is disabled, or what pressing it will do.
function drawState() {
  const n = problems ? problems.length : 0;
  publishButton.disabled = n > 0;
  if (n > 0) state.textContent = `Publishing is blocked: ${n} problem${n > 1 ? 's are' : ' is'} marked on the diagram.`;
  else if (problems === null) state.textContent = 'Checking the draft…';
  else if (checkFailed) state.textContent = `The draft could not be checked (${checkFailed}); Publish checks it again.`;
  else state.textContent = dirty ? 'Unsaved changes: Publish saves them first.' : 'Saved.';
}

async function save() {
  def = await put(base, await draft());
  variables = def.variables || [];
  drawHead();
  setDirty(false);
  versions.refresh(def).catch((err) => toast(err.message, 'error'));
}

async function saveClicked() {
  saveButton.disabled = true;
  try {
    await save();
    toast('Draft saved. Publish it to start new instances with it.', 'success');
  } catch (err) {
    saveButton.disabled = false;
    toast(err.message, 'error');
  }
}

async function publish() {
  publishButton.disabled = true;
  try {
    if (dirty) await save();
    const out = await post(`${base}/publish`);
    const warnings = out.warnings || [];
    showResult(`Version ${out.number} published.`, warnings.map((w) => `${w.source ? w.source + ': ' : ''}${w.message}`), 'warnings');
    def = await get(base);
    drawHead();
    check.now(); // its warnings were about the version just published, now about the next
    versions.refresh(def).catch((err) => toast(err.message, 'error'));
    await bindingsTable({ table: $('[data-bindings]'), empty: $('[data-no-bindings]'), base });
  } catch (err) {
    const list = err.problems ? err.problems() : [{ field: '', message: err.message }];
    showResult('The draft was not published:', list.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)), 'problems');
  } finally {
    drawState();
  }
}

function showResult(title, lines, kind) {
  result.hidden = false;
  replace(result, h('p', { class: 'strong' }, title),
    lines.length ? h('ul', { class: kind === 'problems' ? 'warnings problems' : 'warnings', dataset: { [kind]: '' } }, lines.map((l) => h('li', {}, l))) : '');
}

// edit opens the draft's form (name, scope, variables, a file to replace the diagram) with
// what the modeler holds now, so nothing drawn is lost by saving it.
async function edit() {
  const current = { ...def, variables, bpmn: (await draft()).bpmn };
  const saved = await processDialog({ def: current, title: `Edit draft of ${def.name}`, submitLabel: 'Save draft', send: (d) => put(base, d) });
  if (!saved) return;
  toast('Draft saved. Publish it to start new instances with it.', 'success');
  await load();
}

async function unpublish() {
  try {
    await post(`${base}/unpublish`);
    toast('Withdrawn: running instances go on, nothing new starts.', 'success');
    await load();
  } catch (err) {
    toast(err.message, 'error');
  }
}

async function importFile(input) {
  const file = input.files[0];
  input.value = '';
  if (!file) return;
  await importDraft(await file.text(), true);
  toast(`${file.name} imported. Save the draft to keep it.`, 'success');
}

async function downloadXML() {
  const { xml } = await modeler.saveXML({ format: true });
  download(`${def.code}.bpmn`, xml);
}

function zoom(by) {
  const canvas = modeler.get('canvas');
  canvas.zoom(by === 0 ? 'fit-viewport' : canvas.zoom() * by, 'auto');
}

const versions = versionPanes({ root, base, viewerSrc: root.dataset.viewerSrc, zeebeURL: root.dataset.zeebe });
const fail = (err) => toast(err.message, 'error');
const actions = {
  edit: () => edit().catch(fail),
  save: saveClicked,
  publish,
  unpublish,
  undo: () => modeler.get('commandStack').undo(),
  redo: () => modeler.get('commandStack').redo(),
  'zoom-in': () => zoom(1.25),
  'zoom-out': () => zoom(0.8),
  'zoom-fit': () => zoom(0),
  download: () => downloadXML().catch(fail),
};
for (const [name, fn] of Object.entries(actions)) $(`[data-action="${name}"]`).addEventListener('click', fn);
$('[data-import]').addEventListener('change', (ev) => importFile(ev.currentTarget).catch(fail));
load().catch((err) => replace(root, h('p', { class: 'empty' }, err.status === 404 ? `There is no process ${code}.` : err.message)));

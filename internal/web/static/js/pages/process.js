// The page of one process: its diagram (the draft or any published version), its variables,
// "Edit draft", "Publish" with the warnings or problems the engine reports, and "Unpublish".

import { get, post, put } from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';
import { processDialog } from '../procform.js';
import { renderDiagram } from '../diagram.js';

const root = $('[data-process]');
const code = root.dataset.process;
const base = `/api/v1/processes/${encodeURIComponent(code)}`;
const versionSelect = $('[data-version]');
const result = $('[data-publish-result]');
let def = null;

async function load() {
  def = await get(base);
  document.title = `${def.name} · Parley`;
  $('[data-title]').textContent = def.name;
  $('[data-summary]').textContent = `${def.code} · scope ${def.scope} · ` + (def.published_version
    ? `version ${def.published_version} ${def.unpublished ? 'withdrawn' : 'published'}` : 'never published') + ` · draft updated ${when(def.updated_at)}`;
  $('[data-action="unpublish"]').hidden = !def.published_version || def.unpublished;
  const versions = [];
  for (let n = def.published_version; n >= 1; n--) versions.push(h('option', { value: String(n) }, `Version ${n}`));
  replace(versionSelect, h('option', { value: '' }, 'Draft'), versions);
  await show('');
}

// show draws the draft (n empty) or published version n: its diagram and its variables.
async function show(n) {
  const src = n ? await get(`${base}/versions/${n}`) : def;
  const box = $('[data-diagram]');
  try {
    replace(box, src.bpmn ? renderDiagram(src.bpmn) : h('p', { class: 'empty' }, 'The draft has no diagram yet: upload a BPMN file with Edit draft.'));
  } catch (err) {
    replace(box, h('p', { class: 'empty' }, err.message));
  }
  const vars = src.variables || [];
  replace($('[data-variables] tbody'), vars.map((v) => h('tr', { dataset: { variable: v.name } },
    h('td', {}, h('code', {}, v.name)), h('td', {}, v.type), h('td', {}, v.required ? 'yes' : 'no'), h('td', {}, v.title || ''))));
  $('[data-no-variables]').hidden = vars.length > 0;
}

async function edit() {
  const saved = await processDialog({ def, title: `Edit draft of ${def.name}`, submitLabel: 'Save draft', send: (d) => put(base, d) });
  if (!saved) return;
  toast('Draft saved. Publish it to start new instances with it.', 'success');
  await load();
}

async function publish(button) {
  button.disabled = true;
  try {
    const out = await post(`${base}/publish`);
    const warnings = out.warnings || [];
    showResult(`Version ${out.number} published.`, warnings.map((w) => `${w.source ? w.source + ': ' : ''}${w.message}`), 'warnings');
    await load();
  } catch (err) {
    const problems = err.problems ? err.problems() : [{ field: '', message: err.message }];
    showResult('The draft was not published:', problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)), 'problems');
  } finally {
    button.disabled = false;
  }
}

function showResult(title, lines, kind) {
  result.hidden = false;
  replace(result, h('p', { class: 'strong' }, title),
    lines.length ? h('ul', { class: kind === 'problems' ? 'warnings problems' : 'warnings', dataset: { [kind]: '' } }, lines.map((l) => h('li', {}, l))) : '');
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

$('[data-action="edit"]').addEventListener('click', () => edit().catch((err) => toast(err.message, 'error')));
$('[data-action="publish"]').addEventListener('click', (ev) => publish(ev.currentTarget));
$('[data-action="unpublish"]').addEventListener('click', unpublish);
versionSelect.addEventListener('change', () => show(versionSelect.value).catch((err) => toast(err.message, 'error')));
load().catch((err) => replace(root, h('p', { class: 'empty' }, err.status === 404 ? `There is no process ${code}.` : err.message)));

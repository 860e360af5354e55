// The Business Processes tab of a live chat and its automation log. An event is bound to a
// published process in two steps, as in the seed's description: Select the process, then
// Configure its input parameters, mapping each variable to a Live Chats property of the same
// type. The binding is saved by Configure, because a process with required variables cannot be
// bound before they are mapped; until then the chosen process is kept in the page as a draft.

import { APIError, del, get, listAll, put, showErrors, clearErrors } from './api.js';
import { $, h, replace, toast } from './dom.js';
import { openDialog } from './dialog.js';
import { conditionField, tryButton } from './automation-try.js';

const events = [
  { event: 'session_created', label: 'Session created', help: 'A customer opens a new session.' },
  { event: 'message_received', label: 'Message received', help: 'A customer sends a message.' },
  { event: 'session_closed', label: 'Session closed', help: 'An operator or the system closes a session.' },
];

let liveChat = '';
let properties = null;
let processes = [];
// drafts holds, per event, a process chosen with Select whose inputs are not saved yet.
const drafts = {};

const automationURL = (path = '') => `/api/v1/livechats/${encodeURIComponent(liveChat)}/automation${path}`;

// loadAutomation draws the tab: one row per event, in the order of events.
export async function loadAutomation(id) {
  liveChat = id;
  const [tab, props, defs] = await Promise.all([get(automationURL()), properties || get('/api/v1/livechats/properties'),
    listAll('/api/v1/processes')]);
  properties = props;
  processes = defs.filter((d) => d.published_version > 0 && !d.unpublished);
  const byEvent = new Map(tab.items.map((it) => [it.event, it.process ? it : null]));
  replace($('[data-automation] tbody'), events.map((e) => eventRow(e, byEvent.get(e.event))));
}

function eventRow(e, binding) {
  const draft = drafts[e.event];
  const current = draft || binding;
  return h('tr', { dataset: { event: e.event } },
    h('td', {}, h('div', { class: 'strong' }, e.label), h('div', { class: 'muted small' }, e.help)),
    h('td', { dataset: { processCell: '' } }, processCell(current, !!draft),
      h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'select' }, onclick: () => select(e, binding) }, 'Select')),
    h('td', {}, current ? inputsCell(e, current, binding) : h('span', { class: 'muted' }, '—')),
    h('td', {}, binding ? enabledToggle(e, binding) : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'actions' }, binding || draft ? h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost',
      dataset: { action: 'remove' }, onclick: () => remove(e, binding) }, 'Remove') : ''));
}

function processCell(b, unsaved) {
  if (!b) return h('div', { class: 'binding' }, h('span', { class: 'muted', dataset: { unset: '' } }, 'not set'));
  return h('div', { class: 'binding' },
    h('span', { class: 'strong', dataset: { process: b.process } }, b.process_name || b.process),
    h('span', { class: 'badge' }, scopeLabel(b.process_scope)),
    b.broken ? h('span', { class: 'badge badge-danger', dataset: { broken: '' }, title: b.broken }, `Broken: ${b.broken}`) : '',
    unsaved ? h('span', { class: 'badge badge-warn' }, 'not saved: configure the input parameters') : '',
    b.condition ? h('div', { class: 'muted small', dataset: { conditionShown: '' } }, 'only when ', h('code', {}, b.condition)) : '');
}

function inputsCell(e, current, binding) {
  const n = Object.keys(current.inputs || {}).length;
  return h('div', { class: 'binding' },
    h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'configure' }, onclick: () => configure(e, current, binding) }, 'Configure'),
    h('span', { class: 'muted small' }, n === 1 ? '1 mapped' : `${n} mapped`));
}

function enabledToggle(e, b) {
  const box = h('input', { type: 'checkbox', checked: b.enabled, 'aria-label': `Start on ${e.label}`, dataset: { action: 'enabled' } });
  box.addEventListener('change', async () => {
    try {
      await put(automationURL(`/${e.event}`), { process: b.process, inputs: b.inputs || {}, condition: b.condition || '', enabled: box.checked });
      toast(box.checked ? `${e.label} starts ${b.process_name} again.` : `${e.label} no longer starts ${b.process_name}.`, 'success');
    } catch (err) {
      box.checked = !box.checked;
      toast(err.message, 'error');
    }
    await loadAutomation(liveChat);
  });
  return h('label', { class: 'switch' }, box, h('span', {}, b.enabled ? 'On' : 'Off'));
}

// scopeLabel names a scope for people: global, a workspace, or an app of a workspace.
function scopeLabel(scope) {
  if (!scope || scope === 'global') return 'Global';
  return scope.includes('/') ? `App ${scope}` : `Workspace ${scope}`;
}

function scopeGroup(scope) {
  if (!scope || scope === 'global') return 'Global';
  return scope.includes('/') ? 'Apps' : 'Workspaces';
}

// select opens the process picker; the chosen process becomes the event's draft, and its
// input parameters are configured next.
async function select(e, binding) {
  const def = await pickProcess(e);
  if (!def) return;
  const keep = binding && binding.process === def.code ? binding.inputs : {};
  drafts[e.event] = { process: def.code, process_name: def.name, process_scope: def.scope, inputs: keep,
    condition: binding ? binding.condition : '', enabled: binding ? binding.enabled : true };
  await loadAutomation(liveChat);
}

function pickProcess(e) {
  return new Promise((resolve) => {
    let chosen = null;
    const search = h('input', { type: 'search', class: 'search', placeholder: 'Search processes', 'aria-label': 'Search processes', name: 'q' });
    const list = h('div', { class: 'picker', dataset: { picker: '' } });
    const dlg = openDialog({ title: `Process for "${e.label}"`, body: [search, list], wide: true, onClose: () => resolve(chosen) });
    const draw = () => replace(list, pickerGroups(search.value.trim().toLowerCase(), (def) => { chosen = def; dlg.close(); }));
    search.addEventListener('input', draw);
    draw();
    search.focus();
  });
}

function pickerGroups(q, choose) {
  const shown = processes.filter((d) => !q || [d.name, d.code, d.scope].some((s) => (s || '').toLowerCase().includes(q)));
  if (!shown.length) return h('p', { class: 'empty' }, processes.length ? 'No published process matches.' : 'There are no published processes yet. Publish one under Administration > Processes.');
  return ['Global', 'Workspaces', 'Apps'].map((group) => {
    const items = shown.filter((d) => scopeGroup(d.scope) === group).sort((a, b) => a.name.localeCompare(b.name));
    if (!items.length) return '';
    return h('section', { class: 'picker-group', dataset: { group } }, h('h3', {}, group),
      items.map((d) => h('button', { type: 'button', class: 'picker-item', dataset: { code: d.code }, onclick: () => choose(d) },
        h('span', { class: 'strong' }, d.name), h('code', {}, d.code),
        group === 'Global' ? '' : h('span', { class: 'muted small' }, scopeLabel(d.scope)))));
  });
}

// configure opens the input parameters of current (a draft or the saved binding): one row per
// variable of the process's published version, offering only properties of its type.
async function configure(e, current, binding) {
  const def = processes.find((d) => d.code === current.process);
  if (!def) {
    toast(`${current.process_name || current.process} is not published any more: Select another process.`, 'error');
    return;
  }
  const version = await get(`/api/v1/processes/${encodeURIComponent(def.code)}/versions/${def.published_version}`);
  const form = inputsForm(version, current);
  const unsaved = () => ({ process: def.code, inputs: mapping(form), condition: form.condition.value.trim() });
  form.append(conditionField(properties, current.condition), tryButton(automationURL(`/${e.event}/dry-run`), form, unsaved));
  const save = h('button', { type: 'submit', class: 'btn btn-primary', form: form.id }, 'Save');
  const cancel = h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel');
  const dlg = openDialog({ title: `Input parameters of ${def.name}`, body: form, footer: [cancel, save], wide: true });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    save.disabled = true;
    try {
      await put(automationURL(`/${e.event}`), { ...unsaved(), enabled: binding ? binding.enabled : current.enabled !== false });
      delete drafts[e.event];
      dlg.close();
      toast(`${e.label} now starts ${def.name}.`, 'success');
      await loadAutomation(liveChat);
    } catch (err) {
      if (!(err instanceof APIError)) throw err;
      showErrors(form, err);
    } finally {
      save.disabled = false;
    }
  });
}

function inputsForm(version, current) {
  const rows = (version.variables || []).map((v) => variableRow(v, (current.inputs || {})[v.name]));
  return h('form', { class: 'dialog-form', id: `inputs-${current.process}`, novalidate: true },
    h('p', { class: 'muted' }, 'Map the Live Chats properties to the variables the process starts with. A variable is offered only the properties of its type.'),
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'field' }, h('input', { type: 'hidden', name: 'process', value: current.process })),
    rows.length ? h('table', { class: 'table mapping', dataset: { mapping: '' } },
      h('thead', {}, h('tr', {}, h('th', {}, 'Variable'), h('th', {}, 'Type'), h('th', {}, 'Live Chats property'))),
      h('tbody', {}, rows)) : h('p', { class: 'empty' }, 'This process declares no variables: nothing to map.'));
}

function variableRow(v, mapped) {
  const id = `map-${v.name}`;
  const options = properties.filter((p) => p.type === v.type);
  const select = h('select', { id, name: `inputs.${v.name}`, 'aria-label': v.title || v.name },
    h('option', { value: '' }, '— not mapped —'),
    options.map((p) => h('option', { value: p.path, selected: p.path === mapped }, `${p.title} (${p.path})`)));
  return h('tr', { dataset: { variable: v.name } },
    h('td', {}, h('label', { for: id, class: v.required ? 'required' : '' }, h('span', { class: 'strong' }, v.name), v.required ? ' *' : ''),
      v.title ? h('div', { class: 'muted small' }, v.title) : ''),
    h('td', {}, h('span', { class: 'badge', dataset: { type: v.type } }, v.type)),
    h('td', {}, h('div', { class: 'field' }, select,
      options.length ? '' : h('p', { class: 'hint' }, `No Live Chats property is of type ${v.type}.`))));
}

// mapping reads the chosen properties; a variable left "not mapped" is left out.
function mapping(form) {
  const out = {};
  for (const el of form.querySelectorAll('select[name^="inputs."]')) {
    if (el.value) out[el.name.slice('inputs.'.length)] = el.value;
  }
  return out;
}

async function remove(e, binding) {
  delete drafts[e.event];
  try {
    if (binding) await del(automationURL(`/${e.event}`));
    toast(`${e.label} starts no process now.`, 'success');
  } catch (err) {
    toast(err.message, 'error');
  }
  await loadAutomation(liveChat);
}

// The automation log lives in its own module; the live chat page loads both from here.
export { loadLog, setupLog } from './automation-log.js';

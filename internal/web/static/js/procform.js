// The process form, shared by "+ Process" and "Edit draft": code, name, scope, the variables
// editor (one row per variable) and an optional BPMN file (the process page's modeler draws
// one otherwise), read in the browser and sent as the draft's bpmn string. Control names
// follow the API's field names (variables[0].name…), so each problem of a 422 shows beside its
// control.

import { h } from './dom.js';
import { field, formDialog } from './dialog.js';

const kinds = ['string', 'integer', 'number', 'boolean', 'datetime', 'money', 'phone', 'email', 'user', 'session', 'list', 'object'];

function variableRow(tbody, v = {}) {
  const i = tbody.children.length;
  const cell = (control) => h('td', {}, h('div', { class: 'field' }, control));
  const row = h('tr', { dataset: { varRow: '' } },
    cell(h('input', { name: `variables[${i}].name`, value: v.name || '', 'aria-label': 'Variable name', placeholder: 'name', autocomplete: 'off' })),
    cell(h('input', { name: `variables[${i}].type`, value: v.type || 'string', 'aria-label': 'Type', list: 'var-kinds', autocomplete: 'off' })),
    h('td', {}, h('input', { type: 'checkbox', name: `variables[${i}].required`, checked: !!v.required, 'aria-label': 'Required' })),
    cell(h('input', { name: `variables[${i}].title`, value: v.title || '', 'aria-label': 'Title', placeholder: 'Title shown to people' })),
    h('td', {}, h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Remove variable', onclick: () => { row.remove(); renumber(tbody); } }, '×')));
  tbody.append(row);
}

// renumber keeps the rows' names in step with their positions, which the API's errors name.
function renumber(tbody) {
  Array.from(tbody.children).forEach((row, i) => {
    for (const el of row.querySelectorAll('[name]')) el.name = el.name.replace(/^variables\[\d+\]/, `variables[${i}]`);
  });
}

function variablesEditor(vars) {
  const tbody = h('tbody', { dataset: { vars: '' } });
  (vars || []).forEach((v) => variableRow(tbody, v));
  return h('div', { class: 'field' },
    h('label', {}, 'Variables'),
    h('p', { class: 'hint' }, 'The data the process works with. Types: string, integer, number, boolean, datetime, money, phone, email, user, session, list (a JSON array), object (a JSON object) or item:<workspace>/<app>.'),
    h('datalist', { id: 'var-kinds' }, kinds.map((k) => h('option', { value: k }))),
    h('table', { class: 'vars' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Type'), h('th', {}, 'Required'), h('th', {}, 'Title'), h('th', {}))), tbody),
    h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'add-variable' }, onclick: () => variableRow(tbody) }, '+ Variable'));
}

function readVariables(form) {
  return Array.from(form.querySelectorAll('[data-var-row]'), (row) => {
    const get = (f) => row.querySelector(`[name$=".${f}"]`);
    return { name: get('name').value.trim(), type: get('type').value.trim(), required: get('required').checked, title: get('title').value.trim() };
  });
}

// readFile reads the chosen BPMN file as text; without a file it keeps the current diagram.
function readFile(form, current) {
  const file = form.elements.bpmn_file.files[0];
  return file ? file.text() : Promise.resolve(current || '');
}

function codeField(code, editing) {
  const f = field({ name: 'code', label: 'Code', required: true, value: code || '', autocomplete: 'off',
    hint: editing ? 'The code cannot change: bindings and instances name the process by it.' : 'Lower-case letters, digits, "-" and "_"; bindings and the API name the process by it.' });
  if (editing) f.querySelector('input').readOnly = true;
  return f;
}

// processDialog opens the form for def (absent for a new process) and resolves with what
// send returned, or null when cancelled. send receives the draft to POST or PUT.
export function processDialog({ def, title, submitLabel, send }) {
  const editing = !!def;
  def = def || { scope: 'global', variables: [] };
  return formDialog({
    title, submitLabel, wide: true,
    intro: editing ? 'A draft may be saved half-done; the modeler checks it while you draw, and publish checks it again.'
      : 'Leave the BPMN file empty to draw the process in the modeler next; a draft may be saved half-done.',
    fields: [
      codeField(def.code, editing),
      { name: 'name', label: 'Name', required: true, value: def.name || '', autocomplete: 'off' },
      { name: 'scope', label: 'Scope', required: true, value: def.scope, autocomplete: 'off', hint: 'global, a workspace (crm) or an app of a workspace (crm/leads).' },
      variablesEditor(def.variables),
      { name: 'bpmn_file', label: editing ? 'BPMN file (leave empty to keep the current diagram)' : 'BPMN file', type: 'file' },
    ],
    submit: async (v, form) => {
      const bpmn = await readFile(form, def.bpmn);
      return send({ code: editing ? def.code : v.code, name: v.name, scope: v.scope, variables: readVariables(form), bpmn });
    },
  });
}

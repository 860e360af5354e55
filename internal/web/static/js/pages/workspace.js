// One workspace: its apps, and "+ App", whose form has a rows editor for the fields. Control
// names follow the API's field names (fields[0].code…), so each problem of a 422 shows beside
// its control.

import { get, listAll, post } from '../api.js';
import { $, h, replace, toast } from '../dom.js';
import { field, formDialog } from '../dialog.js';

const ws = $('[data-workspace]').dataset.workspace;
const base = `/api/v1/workspaces/${encodeURIComponent(ws)}`;
const table = $('[data-apps] tbody');
const kinds = ['string', 'integer', 'number', 'boolean', 'datetime', 'money', 'phone', 'email', 'user', 'session', 'list', 'object'];

function row(app) {
  return h('tr', { dataset: { app: app.code } },
    h('td', {}, h('a', { class: 'strong', href: `/admin/workspaces/${encodeURIComponent(ws)}/apps/${encodeURIComponent(app.code)}` }, app.name)),
    h('td', {}, h('code', {}, app.code)),
    h('td', {}, app.fields.map((f) => f.code).join(', ')),
    h('td', {}, h('code', {}, app.title_field)));
}

async function load() {
  const [w, apps] = await Promise.all([get(base), listAll(`${base}/apps`)]);
  $('[data-title]').textContent = w.name;
  replace(table, apps.map(row));
  $('[data-empty]').hidden = apps.length > 0;
}

// typeCell is a select of the types; "item:" adds a text box for the <workspace>/<app> the
// field links to, since any app of any workspace may be named.
function typeCell(i) {
  const link = h('input', { name: `fields[${i}].link`, 'aria-label': 'Linked app', placeholder: `${ws}/app`, autocomplete: 'off', hidden: true });
  const select = h('select', { name: `fields[${i}].type`, 'aria-label': 'Type' },
    kinds.map((k) => h('option', { value: k }, k)), h('option', { value: 'item:' }, 'item:<workspace>/<app>'));
  select.addEventListener('change', () => { link.hidden = select.value !== 'item:'; });
  return h('td', {}, h('div', { class: 'field' }, select, link));
}

function fieldRow(tbody) {
  const i = tbody.children.length;
  const cell = (control) => h('td', {}, h('div', { class: 'field' }, control));
  const row = h('tr', { dataset: { fieldRow: '' } },
    cell(h('input', { name: `fields[${i}].code`, 'aria-label': 'Field code', placeholder: 'code', autocomplete: 'off' })),
    cell(h('input', { name: `fields[${i}].title`, 'aria-label': 'Field title', placeholder: 'Title shown to people', autocomplete: 'off' })),
    typeCell(i),
    h('td', {}, h('input', { type: 'checkbox', name: `fields[${i}].required`, 'aria-label': 'Required' })),
    h('td', {}, h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Remove field', onclick: () => { row.remove(); renumber(tbody); } }, '×')));
  tbody.append(row);
}

// renumber keeps the rows' names in step with their positions, which the API's errors name.
function renumber(tbody) {
  Array.from(tbody.children).forEach((row, i) => {
    for (const el of row.querySelectorAll('[name]')) el.name = el.name.replace(/^fields\[\d+\]/, `fields[${i}]`);
  });
}

function fieldsEditor() {
  const tbody = h('tbody');
  fieldRow(tbody);
  return h('div', { class: 'field' },
    h('label', {}, 'Fields'),
    h('p', { class: 'hint' }, 'In the order shown. The code never changes: values, filters and processes name the field by it.'),
    h('table', { class: 'vars', dataset: { fields: '' } },
      h('thead', {}, h('tr', {}, h('th', {}, 'Code'), h('th', {}, 'Title'), h('th', {}, 'Type'), h('th', {}, 'Required'), h('th', {}))), tbody),
    h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'add-field-row' }, onclick: () => fieldRow(tbody) }, '+ Field'));
}

function readFields(form) {
  return Array.from(form.querySelectorAll('[data-field-row]'), (row) => {
    const el = (f) => row.querySelector(`[name$=".${f}"]`);
    const type = el('type').value === 'item:' ? `item:${el('link').value.trim()}` : el('type').value;
    return { code: el('code').value.trim(), title: el('title').value.trim(), type, required: el('required').checked };
  });
}

async function newApp() {
  const app = await formDialog({
    title: 'New app',
    submitLabel: 'Create app',
    wide: true,
    fields: [
      field({ name: 'name', label: 'Name', required: true, autocomplete: 'off' }),
      field({ name: 'code', label: 'Code', required: true, autocomplete: 'off', hint: 'A lower-case letter, then lower-case letters, digits or "_".' }),
      fieldsEditor(),
      field({ name: 'title_field', label: 'Title field', autocomplete: 'off', hint: 'The code of the field that titles items; by default the first string field.' }),
    ],
    submit: (v, form) => post(`${base}/apps`, { code: v.code, name: v.name, fields: readFields(form), title_field: v.title_field || undefined }),
  });
  if (!app) return;
  toast(`App ${app.name} created.`, 'success');
  await load();
}

$('[data-action="new-app"]').addEventListener('click', () => newApp().catch((err) => toast(err.message, 'error')));
load().catch((err) => toast(`The workspace could not be loaded: ${err.message}`, 'error'));

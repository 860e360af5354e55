// One app: its fields (add one, remove one) and its items (a filter, "+ Item"). The item form
// gives each field the input of its type and sends the JSON value of that type, because the
// API parses values strictly ("12" is not an integer) rather than guessing.

import { APIError, clearErrors, fieldError, get, patch, post, showErrors } from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';
import { confirmDialog, field, formDialog } from '../dialog.js';
import { jsonValue } from '../typed.js';

const root = $('[data-app]');
const base = `/api/v1/workspaces/${encodeURIComponent(root.dataset.workspace)}/apps/${encodeURIComponent(root.dataset.app)}`;
const kinds = ['string', 'integer', 'number', 'boolean', 'datetime', 'money', 'phone', 'email', 'user', 'session', 'file', 'files', 'list', 'object'];
const filterForm = $('[data-filter]');
const more = $('[data-more]');
let app = null;
let items = [];
let cursor = '';

async function loadApp() {
  app = await get(base);
  $('[data-title]').textContent = app.name;
  replace($('[data-fields] tbody'), app.fields.map(fieldRow));
  replace($('[data-items] thead tr'), app.fields.map((f) => h('th', {}, f.title)));
}

function fieldRow(f) {
  return h('tr', { dataset: { field: f.code } },
    h('td', {}, f.title, f.code === app.title_field ? h('span', { class: 'badge badge-muted' }, 'title') : ''),
    h('td', {}, h('code', {}, f.code)),
    h('td', {}, h('code', {}, f.type)),
    h('td', {}, f.required ? 'required' : h('span', { class: 'muted' }, 'optional')),
    h('td', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost', dataset: { action: 'remove-field' }, onclick: () => removeField(f).catch(failed) }, 'Remove')));
}

function failed(err) {
  toast(err.message, 'error');
}

// showFieldsError keeps the API's refusal (a 409 naming the process that uses the field)
// above the fields table rather than in a toast, so there is time to read whom to ask.
function showFieldsError(message) {
  const box = $('[data-fields-error]');
  box.textContent = message;
  box.hidden = !message;
}

async function removeField(f) {
  showFieldsError('');
  const yes = await confirmDialog({
    title: `Remove the field ${f.title}?`,
    message: `Every item loses its ${f.code} value. A field added later under this code starts empty.`,
    confirmLabel: 'Remove field',
    danger: true,
  });
  if (!yes) return;
  try {
    await patch(base, { remove_fields: [f.code] });
  } catch (err) {
    if (!(err instanceof APIError)) throw err;
    showFieldsError(err.message);
    return;
  }
  toast(`The field ${f.title} was removed.`, 'success');
  await reload();
}

// typeField is the type select of the field form; "item:" shows a text box for the
// <workspace>/<app> it links to.
function typeField(name) {
  const f = field({ name: `${name}.type`, label: 'Type', type: 'select', options: kinds.map((k) => ({ value: k, label: k })).concat({ value: 'item:', label: 'item:<workspace>/<app>' }) });
  const link = h('input', { name: `${name}.link`, 'aria-label': 'Linked app', placeholder: `${root.dataset.workspace}/app`, autocomplete: 'off', hidden: true });
  const select = f.querySelector('select');
  select.addEventListener('change', () => { link.hidden = select.value !== 'item:'; });
  f.append(link);
  return f;
}

async function addField() {
  const p = 'add_fields[0]';
  const done = await formDialog({
    title: 'Add a field',
    intro: 'The field goes last. Existing items lack its value; a required field is enforced on new items.',
    submitLabel: 'Add field',
    fields: [
      field({ name: `${p}.code`, label: 'Code', required: true, autocomplete: 'off' }),
      field({ name: `${p}.title`, label: 'Title', autocomplete: 'off', hint: 'What people see; the code by default.' }),
      typeField(p),
      field({ name: `${p}.required`, label: 'Required', type: 'checkbox' }),
    ],
    submit: (v) => {
      const type = v[`${p}.type`] === 'item:' ? `item:${v[`${p}.link`]}` : v[`${p}.type`];
      return patch(base, { add_fields: [{ code: v[`${p}.code`], title: v[`${p}.title`], type, required: v[`${p}.required`] }] });
    },
  });
  if (!done) return;
  toast('The field was added.', 'success');
  await reload();
}

// display writes a canonical value for people.
function display(f, v) {
  if (v === undefined || v === null) return h('span', { class: 'muted' }, '—');
  if (f.type === 'money') return `${v.amount} ${v.currency}`;
  if (f.type === 'boolean') return v ? 'yes' : 'no';
  if (f.type === 'datetime') return when(v);
  if (f.type === 'session') return sessionLink(String(v));
  if (f.type === 'file') return fileLink(v);
  if (f.type === 'files') return v.length ? v.map(fileLink) : h('span', { class: 'muted' }, '—');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

// sessions caches the sessions that items name, by id: null while being read, false when the
// caller may not see it.
const sessions = new Map();

// sessionLink shows a session-valued field as the customer's name linked to the session. The
// name is read once per session; until it arrives, and for a session the caller may not see,
// the link reads "Session" with the id as its title.
function sessionLink(id) {
  const s = sessions.get(id);
  if (s === undefined) {
    sessions.set(id, null);
    get(`/api/v1/sessions/${encodeURIComponent(id)}`)
      .then((got) => { sessions.set(id, got); drawItems(); })
      .catch(() => sessions.set(id, false));
  }
  const name = s ? (s.customer?.name || s.name) : 'Session';
  return h('a', { href: `/console/sessions/${encodeURIComponent(id)}`, title: s ? s.name : id, dataset: { session: id } }, name);
}

// fileLink shows a file-valued field as a download of the message's attachment it links to.
function fileLink(file) {
  return h('a', { href: `/api/v1/attachments/${encodeURIComponent(file.id)}`, download: file.name, class: 'attachment-link' }, file.name);
}

function itemRow(item) {
  return h('tr', { dataset: { item: item.id } }, app.fields.map((f) => h('td', {}, display(f, item.values[f.code]))));
}

function drawItems() {
  replace($('[data-items] tbody'), items.map(itemRow));
  $('[data-empty]').hidden = items.length > 0;
  more.hidden = !cursor;
}

// filterQuery turns "field=value" into the API's ?field=value; an empty box lists everything.
function filterQuery() {
  const raw = filterForm.elements.filter.value.trim();
  if (!raw) return '';
  const eq = raw.indexOf('=');
  if (eq <= 0) throw fieldError('filter', 'write the filter as field=value, such as score=80');
  return `&${encodeURIComponent(raw.slice(0, eq).trim())}=${encodeURIComponent(raw.slice(eq + 1).trim())}`;
}

async function loadItems(reset) {
  const page = await get(`${base}/items?limit=100${filterQuery()}${cursor && !reset ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
  items = reset ? page.items : items.concat(page.items);
  cursor = page.next_cursor;
  drawItems();
}

async function reload() {
  await loadApp();
  await loadItems(true);
}

// filterItems reloads the items under the filter; a bad filter is explained beside the box.
async function filterItems(ev) {
  ev.preventDefault();
  try {
    await loadItems(true);
    clearErrors(filterForm);
  } catch (err) {
    if (!(err instanceof APIError)) throw err;
    showErrors(filterForm, err);
  }
}

// inputType is the control a value of field type t is typed into; money has its own pair.
function inputType(t) {
  if (t === 'integer' || t === 'number') return 'number';
  if (t === 'boolean') return 'checkbox';
  if (t === 'datetime') return 'datetime-local';
  if (t === 'email') return 'email';
  if (t === 'phone') return 'tel';
  if (t === 'list' || t === 'object') return 'textarea';
  return 'text';
}

// valueField builds the control of one field. Controls are named values.<code>, so that a
// code such as "id" cannot shadow the form's own properties.
function valueField(f) {
  const name = `values.${f.code}`;
  if (f.type === 'money') return moneyField(f, name);
  if (f.type === 'file' || f.type === 'files') {
    // Files come from messages: processes set these fields from a message's attachments.
    return h('div', { class: 'field' }, h('p', { class: 'strong' }, f.title),
      h('p', { class: 'hint' }, 'Set by processes from the files customers send.'));
  }
  const el = field({ name, label: f.title, type: inputType(f.type), required: f.required, autocomplete: 'off', hint: `Type: ${f.type}` });
  const input = el.querySelector('input, textarea');
  if (f.type === 'integer') input.step = '1';
  if (f.type === 'number') input.step = 'any';
  return el;
}

function moneyField(f, name) {
  const id = `money-${f.code}`;
  return h('div', { class: 'field' },
    h('label', { for: id, class: f.required ? 'required' : '' }, f.title),
    h('div', { class: 'form-actions' },
      h('input', { id, name, inputmode: 'decimal', placeholder: '12.50', autocomplete: 'off' }),
      h('input', { name: `currency.${f.code}`, 'aria-label': `${f.title} currency`, placeholder: 'EUR', maxlength: 3, size: 4, autocomplete: 'off' })),
    h('p', { class: 'hint' }, 'An amount and a three-letter currency.'));
}

// typedValue reads one field's control as the JSON value of its type; undefined leaves the
// field out, so an empty optional field is simply not set.
function typedValue(f, form) {
  if (f.type === 'file' || f.type === 'files') return undefined;
  const input = form.querySelector(`[name="${CSS.escape(`values.${f.code}`)}"]`);
  if (f.type === 'boolean') return input.checked;
  if (input.validity.badInput) throw fieldError(input.name, `must be ${f.type === 'integer' ? 'a whole number' : 'a number'}`);
  const raw = input.value.trim();
  if (f.type === 'money') {
    const currency = form.querySelector(`[name="${CSS.escape(`currency.${f.code}`)}"]`).value.trim().toUpperCase();
    return raw || currency ? { amount: raw, currency } : undefined;
  }
  if (raw === '') return undefined;
  if (f.type === 'integer' || f.type === 'number') return Number(raw);
  if (f.type === 'datetime') return new Date(raw).toISOString();
  if (f.type === 'list' || f.type === 'object') return jsonValue(input.name, f.type, raw);
  return raw;
}

// onControls renames the API's problems (named by field code) after the form's controls
// (values.<code>), so that showErrors puts each one beside its input.
function onControls(err) {
  if (!(err instanceof APIError)) return err;
  const problems = err.problems().map((p) => ({ field: p.field && app.fields.some((f) => f.code === p.field) ? `values.${p.field}` : p.field, message: p.message }));
  return new APIError(err.status, { error: { code: err.code, message: err.message, details: { problems } } });
}

async function newItem() {
  const item = await formDialog({
    title: `New item of ${app.name}`,
    submitLabel: 'Create item',
    fields: app.fields.map(valueField),
    submit: async (_, form) => {
      const values = {};
      for (const f of app.fields) {
        const v = typedValue(f, form);
        if (v !== undefined) values[f.code] = v;
      }
      try {
        return await post(`${base}/items`, { values });
      } catch (err) {
        throw onControls(err);
      }
    },
  });
  if (!item) return;
  toast(`Item ${item.title || item.id} created.`, 'success');
  await loadItems(true);
}

$('[data-action="add-field"]').addEventListener('click', () => addField().catch(failed));
$('[data-action="new-item"]').addEventListener('click', () => newItem().catch(failed));
$('[data-action="more"]').addEventListener('click', () => loadItems(false).catch(failed));
filterForm.addEventListener('submit', (ev) => filterItems(ev).catch(failed));
reload().catch((err) => toast(`The app could not be loaded: ${err.message}`, 'error'));

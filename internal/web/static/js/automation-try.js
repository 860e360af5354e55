// The condition of a binding and its dry run, both inside the Configure dialog of the Business
// Processes tab. The condition is an expression over the Live Chats properties; the editor
// offers the property paths as completions (a datalist) and as buttons that insert a path at
// the cursor. "Try on recent sessions" asks the server what the binding as it stands in the
// dialog, saved or not, would have done with the live chat's recent events.

import { APIError, post, showErrors, clearErrors } from './api.js';
import { h, replace, when } from './dom.js';

let seq = 0;

// conditionField is the condition editor, offering properties (from /livechats/properties).
export function conditionField(properties, value) {
  const id = `condition-${++seq}`;
  const listId = `${id}-properties`;
  const usable = properties.filter((p) => p.path !== 'session');
  const input = h('input', { id, name: 'condition', type: 'text', class: 'mono', list: listId, value: value || '',
    autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. channel.type == "email" && lastMessage.text contains "refund"' });
  const insert = (path) => {
    const at = input.selectionStart ?? input.value.length;
    input.value = input.value.slice(0, at) + path + input.value.slice(input.selectionEnd ?? at);
    input.focus();
    input.setSelectionRange(at + path.length, at + path.length);
  };
  return h('div', { class: 'field', dataset: { condition: '' } },
    h('label', { for: id }, 'Condition (optional)'),
    input,
    h('datalist', { id: listId }, usable.map((p) => h('option', { value: p.path }, `${p.title} (${p.type})`))),
    h('p', { class: 'hint' }, 'The process starts only when this is true. Compare properties with ==, !=, <, >, contains, startsWith; join with && and ||; an unknown phone, email or time is null.'),
    h('div', { class: 'chips', dataset: { conditionProperties: '' } }, usable.map((p) =>
      h('button', { type: 'button', class: 'btn btn-sm btn-ghost', title: `${p.title} (${p.type})`, dataset: { path: p.path },
        onclick: () => insert(p.path) }, p.path))));
}

const outcomes = { would_start: ['Would start', 'success'], skipped: ['Skipped', 'muted'], failed: ['Failed', 'danger'] };

// tryButton is the "Try on recent sessions" button and the table it fills. binding() returns
// what the dialog holds now: { process, inputs, condition }.
export function tryButton(url, form, binding) {
  const out = h('div', { class: 'dry-run', dataset: { dryRun: '' }, 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'btn', dataset: { action: 'dry-run' } }, 'Try on recent sessions');
  button.addEventListener('click', async () => {
    clearErrors(form);
    button.disabled = true;
    try {
      const run = await post(url, { ...binding(), limit: 20 });
      replace(out, dryRunTable(run));
    } catch (err) {
      if (!(err instanceof APIError)) throw err;
      showErrors(form, err);
    } finally {
      button.disabled = false;
    }
  });
  return h('div', { class: 'field' }, button, out);
}

function dryRunTable(run) {
  if (!run.items.length) return h('p', { class: 'empty' }, 'This live chat has had no such event yet.');
  const count = (o) => run.items.filter((it) => it.outcome === o).length;
  return [
    h('p', { class: 'muted', dataset: { summary: '' } },
      `Of the last ${run.items.length} events: ${count('would_start')} would start, ${count('skipped')} would be skipped, ${count('failed')} would fail. Nothing was started.`),
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Session'), h('th', {}, 'Outcome'), h('th', {}, 'Details'))),
      h('tbody', {}, run.items.map(dryRunRow))),
  ];
}

function dryRunRow(it) {
  const [label, kind] = outcomes[it.outcome] || [it.outcome, 'muted'];
  const inputs = Object.entries(it.inputs || {});
  const details = it.outcome === 'would_start'
    ? (inputs.length ? h('ul', { class: 'plain' }, inputs.map(([k, v]) => h('li', {}, h('code', {}, k), ' = ', String(v)))) : h('span', { class: 'muted' }, 'no inputs'))
    : [it.reason, it.field ? h('span', { class: 'muted small' }, ` (${it.field})`) : ''];
  return h('tr', { dataset: { outcome: it.outcome, session: it.session_id } },
    h('td', { class: 'muted' }, when(it.at)),
    h('td', {}, it.customer_name || it.session_name || it.session_id),
    h('td', {}, h('span', { class: `badge badge-${kind}` }, label)),
    h('td', {}, details));
}

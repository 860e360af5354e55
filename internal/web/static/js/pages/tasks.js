// The task inbox: the caller's open user tasks, each with its form typed from the task's
// form definition, and Complete. A completed task leaves the list; the process goes on. The
// list is live: the staff socket says "tasks_changed" when a task of the caller or their
// groups opens, is completed or is cancelled, and the list is read again. Cards already shown
// are kept as they are, so a form being filled in is not lost.

import { get, post, showErrors, clearErrors } from '../api.js';
import { watchLive } from '../chat.js';
import { $, busy, h, toast, when } from '../dom.js';
import { inputsOf, typedField } from '../typed.js';
import { connect } from '../ws.js';

const box = $('[data-tasks]');
// groupNames names the caller's groups: a task offered to groups lists them by id, and the
// caller sees a task only through groups they are in.
let groupNames = new Map();

async function load() {
  const [res, me] = await Promise.all([get('/api/v1/tasks?assignee=me&state=open&limit=200'), get('/api/v1/me')]);
  groupNames = new Map((me.groups || []).map((g) => [g.id, g.name]));
  update(res.items);
  $('[data-empty]').hidden = res.items.length > 0;
}

// update makes the list show items, in order, touching only what changed: a card already
// shown stays where it is (moving it would take the focus from a field being typed in), new
// cards are put in their place, and the cards of tasks no longer open go.
function update(items) {
  const shown = new Map([...box.querySelectorAll('[data-task]')].map((el) => [el.dataset.task, el]));
  const keep = new Set(items.map((t) => t.id));
  for (const [id, el] of shown) if (!keep.has(id)) el.remove();
  let next = box.firstElementChild;
  for (const t of items) {
    const el = shown.get(t.id) || card(t);
    if (el === next) next = next.nextElementSibling;
    else box.insertBefore(el, next);
  }
}

// reload reads the list again soon, once for a burst of changes.
let pending = null;
function reload() {
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    load().catch((err) => toast(`The tasks could not be loaded: ${err.message}`, 'error'));
  }, 150);
}

function card(t) {
  const form = h('form', { class: 'task-form', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    (t.form || []).map((f) => typedField({ name: f.variable, label: f.label || f.variable, type: f.type, required: f.required })),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Complete')));
  form.addEventListener('submit', (ev) => complete(ev, t, form));
  return h('section', { class: 'card pad task', dataset: { task: t.id } },
    h('div', { class: 'task-head' },
      h('h2', {}, t.name || t.element),
      h('span', { class: 'muted small' }, t.due_at ? `Due ${when(t.due_at)}` : `Since ${when(t.created_at)}`)),
    t.documentation ? h('p', { class: 'muted' }, t.documentation) : null,
    local(t.locals),
    h('p', { class: 'small' },
      h('a', { href: `/instances/${encodeURIComponent(t.instance_id)}` }, 'Process instance'),
      t.session_id ? [' · ', h('a', { href: `/console/sessions/${encodeURIComponent(t.session_id)}` }, 'Session')] : null,
      t.assignee ? null : h('span', { class: 'muted' }, ` · Offered to ${offeredTo(t)}`)),
    form);
}

// local shows the variables of one inner instance of a multi-instance task: which element of
// the list this task is for, and its number.
function local(vars) {
  const names = Object.keys(vars || {}).sort();
  if (!names.length) return null;
  return h('dl', { class: 'task-local small', dataset: { local: '' } }, names.map((k) =>
    [h('dt', {}, h('code', {}, k)), h('dd', {}, JSON.stringify(vars[k]))]));
}

function offeredTo(t) {
  const names = (t.groups || []).map((id) => groupNames.get(id)).filter(Boolean);
  return names.length ? names.join(', ') : 'your groups';
}

async function complete(ev, t, form) {
  ev.preventDefault();
  clearErrors(form);
  try {
    const values = inputsOf(form);
    await busy(form.querySelector('[type=submit]'), () => post(`/api/v1/tasks/${encodeURIComponent(t.id)}/complete`, { values }));
    toast(`“${t.name || t.element}” is complete.`, 'success');
    const card = form.closest('[data-task]');
    const after = card.nextElementSibling || card.previousElementSibling;
    await load();
    focusAfter(after);
  } catch (err) {
    showErrors(form, err);
  }
}

// focusAfter moves the focus, once a completed task's card has gone with its Complete button,
// to the next task's first field, or to the "no open tasks" note when none is left.
function focusAfter(card) {
  const next = card?.isConnected ? card : box.firstElementChild;
  const target = next ? next.querySelector('input, select, textarea, button') : $('[data-empty]');
  target?.focus();
}

load().catch((err) => toast(`The tasks could not be loaded: ${err.message}`, 'error'));
// No cursor: the list is read whole after every (re)connect, so no chat event needs replaying.
const socket = connect('/api/v1/ws', {
  cursorOf: () => null,
  onStatus: watchLive($('[data-live]')),
  onMessage: (m) => (m.type === 'hello' || m.type === 'tasks_changed') && reload(),
});
window.addEventListener('pagehide', () => socket.close());

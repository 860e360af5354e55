// The task inbox: the caller's open user tasks, each with its form typed from the task's
// form definition, and Complete. A completed task leaves the list; the process goes on.

import { get, post, showErrors, clearErrors } from '../api.js';
import { $, busy, h, replace, toast, when } from '../dom.js';
import { inputsOf, typedField } from '../typed.js';

const box = $('[data-tasks]');
// groupNames names the caller's groups: a task offered to groups lists them by id, and the
// caller sees a task only through groups they are in.
let groupNames = new Map();

async function load() {
  const [res, me] = await Promise.all([get('/api/v1/tasks?assignee=me&state=open&limit=200'), get('/api/v1/me')]);
  groupNames = new Map((me.groups || []).map((g) => [g.id, g.name]));
  replace(box, res.items.map(card));
  $('[data-empty]').hidden = res.items.length > 0;
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
    h('p', { class: 'small' },
      h('a', { href: `/instances/${encodeURIComponent(t.instance_id)}` }, 'Process instance'),
      t.session_id ? [' · ', h('a', { href: `/console/sessions/${encodeURIComponent(t.session_id)}` }, 'Session')] : null,
      t.assignee ? null : h('span', { class: 'muted' }, ` · Offered to ${offeredTo(t)}`)),
    form);
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
    await load();
  } catch (err) {
    showErrors(form, err);
  }
}

load().catch((err) => toast(`The tasks could not be loaded: ${err.message}`, 'error'));

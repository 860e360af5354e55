// "+ Actions > Start process" on a session page: pick a published process, fill in its
// variables with inputs of their types (typed.js), and start it linked to the session.

import { fieldError, listAll, post } from './api.js';
import { h, replace, toast } from './dom.js';
import { field, formDialog } from './dialog.js';
import { inputsOf, typedField } from './typed.js';

// variableField builds the control of one variable; a session variable starts out as this
// session, which is what a process started from here almost always wants.
function variableField(v, session) {
  return typedField({ name: v.name, label: v.title || v.name, type: v.type, required: v.required,
    value: v.type === 'session' ? session.id : '' });
}

// startProcess opens the dialog and resolves with the started instance, or null. The focus
// returns to returnFocus when the dialog closes (the menu that opened it).
export async function startProcess(session, { returnFocus } = {}) {
  const processes = (await listAll('/api/v1/processes')).filter((p) => p.published_version > 0 && !p.unpublished);
  const vars = h('div', { class: 'process-vars' });
  const picker = field({
    name: 'process', label: 'Process', type: 'select', required: true,
    options: [{ value: '', label: processes.length ? 'Choose a process…' : 'No process is published' }]
      .concat(processes.map((p) => ({ value: p.code, label: p.name }))),
  });
  picker.querySelector('select').addEventListener('change', (ev) => {
    const p = processes.find((x) => x.code === ev.target.value);
    const controls = p ? p.variables.map((v) => variableField(v, session)) : [];
    replace(vars, controls.length ? h('h3', { class: 'sub' }, 'Inputs') : null, ...controls);
  });
  const inst = await formDialog({
    title: 'Start process', wide: true, submitLabel: 'Start process', returnFocus,
    intro: 'The process starts at once, linked to this session. Inputs are optional unless marked.',
    fields: [picker, vars],
    submit: async (values, form) => {
      if (!values.process) throw fieldError('process', 'choose a process');
      const body = { process: values.process, inputs: inputsOf(form) };
      return post(`/api/v1/sessions/${encodeURIComponent(session.id)}/processes`, body, { idempotencyKey: crypto.randomUUID() });
    },
  });
  if (inst) toast('The process has started.', 'success');
  return inst;
}

// "+ Actions > Start process" on a session page: pick a published process, fill in its
// variables with inputs of their types (typed.js), filled in from the session where it can
// tell, and start it linked to the session; a refused input is named beside its field.

import { APIError, fieldError, listAll, post } from './api.js';
import { h, replace, toast } from './dom.js';
import { field, formDialog } from './dialog.js';
import { inputsOf, typedField } from './typed.js';

// variableField builds the control of one variable, filled in from the session where the
// variable plainly asks for something the session knows (see guess).
function variableField(v, session, lastMessage) {
  return typedField({ name: v.name, label: v.title || v.name, type: v.type, required: v.required,
    value: guess(v, session, lastMessage) });
}

// guess is what the session knows for a variable, by its type first and then by its name or
// title: a session variable is this session, a phone the customer's phone, an email theirs,
// a name the customer's name, a note or message the customer's last message. The operator
// checks and changes it before starting; a wrong guess costs a keystroke, a blank form a
// copy and paste of each.
function guess(v, session, lastMessage) {
  const c = session.customer || {};
  const words = `${v.name} ${v.title || ''}`.toLowerCase();
  if (v.type === 'session') return session.id;
  if (v.type === 'phone') return c.phone || '';
  if (v.type === 'email') return c.email || '';
  if (v.type !== 'string') return '';
  if (/name/.test(words) && !/process|file|company/.test(words)) return c.name || '';
  if (/subject|topic/.test(words)) return session.subject || '';
  if (/phone|mobile/.test(words)) return c.phone || '';
  if (/e-?mail/.test(words)) return c.email || '';
  if (/note|message|text|question|ask|request/.test(words)) return lastMessage || '';
  return '';
}

// besideFields moves the API's problems with the inputs next to their controls, in the words
// of the variable's label: "variable phone (phone) is required" becomes "Phone to call is
// required" under that field, not a line at the top naming "phone".
function besideFields(err, form, variables) {
  if (!(err instanceof APIError)) return err;
  const problems = err.problems().map((p) => {
    const name = String(p.field || '').replace(/^inputs\./, '');
    const v = variables.find((x) => x.name === name);
    if (!v || !form.querySelector(`[name="${CSS.escape(`in.${name}`)}"]`)) return p;
    const message = p.message
      .replace(/^variable \S+ \([^)]*\) is required$/, 'is required')
      .replace(/^variable \S+ is /, 'must be ');
    return { field: `in.${name}`, message };
  });
  return new APIError(err.status, { error: { code: err.code, message: err.message, details: { problems } } });
}

// startProcess opens the dialog and resolves with the started instance, or null. The focus
// returns to returnFocus when the dialog closes (the menu that opened it).
export async function startProcess(session, { returnFocus, lastMessage } = {}) {
  const processes = (await listAll('/api/v1/processes')).filter((p) => p.published_version > 0 && !p.unpublished);
  const vars = h('div', { class: 'process-vars' });
  const picker = field({
    name: 'process', label: 'Process', type: 'select', required: true,
    options: [{ value: '', label: processes.length ? 'Choose a process…' : 'No process is published' }]
      .concat(processes.map((p) => ({ value: p.code, label: p.name }))),
  });
  picker.querySelector('select').addEventListener('change', (ev) => {
    const p = processes.find((x) => x.code === ev.target.value);
    const controls = p ? p.variables.map((v) => variableField(v, session, lastMessage)) : [];
    replace(vars, controls.length ? h('h3', { class: 'sub' }, 'Inputs') : null, ...controls);
  });
  const inst = await formDialog({
    title: 'Start process', wide: true, submitLabel: 'Start process', returnFocus,
    intro: 'The process starts at once, linked to this session. Inputs are optional unless marked.',
    fields: [picker, vars],
    submit: async (values, form) => {
      if (!values.process) throw fieldError('process', 'choose a process');
      const body = { process: values.process, inputs: inputsOf(form) };
      const chosen = processes.find((x) => x.code === values.process);
      try {
        return await post(`/api/v1/sessions/${encodeURIComponent(session.id)}/processes`, body, { idempotencyKey: crypto.randomUUID() });
      } catch (err) {
        throw besideFields(err, form, chosen ? chosen.variables : []);
      }
    },
  });
  if (inst) toast('The process has started.', 'success');
  return inst;
}

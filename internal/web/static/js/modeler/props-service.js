// The service task's section: its type from Parley's built-in catalog or an outside worker's
// job type, each type's inputs and outputs as form fields, retries, and Zeebe's task definition
// and input/output mapping when the file came from Camunda (shown; Parley's elements are
// written, and the engine prefers them).

import { h } from '../dom.js';
import { addListItem, extension, extensions, moveListItem, removeListItem, setExtension } from './props-model.js';
import { exprField, listEditor, note, numberField, personLabel, section, selectField, textField } from './props-ui.js';

// catalog is what internal/process runs itself (bpmn.requiredInputs, builtin.go,
// compile_tasks.go resultEnv): each type's inputs, and the names its outputs may read.
export const catalog = {
  'livechat.reply': {
    label: 'Reply in the chat (livechat.reply)',
    inputs: [{ name: 'text', label: 'Message text', kind: 'template', required: true,
      hint: 'Sent into the linked session. Write {{ variable }} to put a value in, such as Hello {{customerName}}.' }],
  },
  'livechat.close': { label: 'Close the session (livechat.close)', inputs: [] },
  'livechat.assign': {
    label: 'Assign an operator (livechat.assign)',
    inputs: [{ name: 'operator', label: 'Operator', kind: 'operator', required: true }],
  },
  http: {
    label: 'Call an HTTP endpoint (http)',
    inputs: [
      { name: 'method', label: 'Method', kind: 'method' },
      { name: 'url', label: 'URL', kind: 'template', required: true, hint: 'Placeholders {{ … }} are escaped for a URL.' },
      { name: 'body', label: 'Body', kind: 'template', hint: 'Placeholders are written as JSON values; with a body the method defaults to POST.' },
    ],
    extra: 'Headers: add inputs named header.<Name>, such as header.Authorization. Errors: an input error.404 (or error.5xx) with a fixed code throws that BPMN error on such an answer.',
    result: ['status', 'body', 'headers'],
  },
  'app.createItem': {
    label: 'Create an app item (app.createItem)',
    inputs: [{ name: 'app', label: 'App', kind: 'app', required: true }],
    fields: true,
    result: ['item'],
  },
  'app.updateItem': {
    label: 'Change an app item (app.updateItem)',
    inputs: [{ name: 'item', label: 'Item', kind: 'item', required: true }],
    fields: true,
    result: ['item'],
  },
};

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function serviceTask(ctx) {
  const { model, bo } = ctx;
  const task = extension(bo, 'parley:Task');
  const zeebe = model.has('zeebe:TaskDefinition') ? extension(bo, 'zeebe:TaskDefinition') : null;
  const type = task ? task.type ?? '' : zeebe?.type ?? '';
  const spec = catalog[type];
  const choice = spec ? type : (task || zeebe || ctx.pending('type') ? 'external' : '');
  const parts = [
    selectField({
      key: 'task.kind', label: 'What the task does', value: choice,
      options: [{ value: '', label: 'Choose…' }, ...Object.entries(catalog).map(([value, c]) => ({ value, label: c.label })),
        { value: 'external', label: "An outside worker's job (any other type)" }],
      onChange: (v) => changeType(ctx, task, zeebe, v),
    }),
  ];
  if (choice === 'external') {
    parts.push(textField({ key: 'task.type', label: 'Job type', value: type, hint: 'Outside workers fetch jobs of this type (GET /api/v1/jobs?type=…) and complete them.',
      onChange: (v) => writeTask(ctx, zeebe, { type: v.trim() }) }));
  }
  if (choice) {
    parts.push(numberField({ key: 'task.retries', label: 'Retries', value: task?.retries ?? zeebe?.retries ?? '', min: 0, max: 1000,
      hint: 'How many times a failing step is tried before it becomes an incident; empty for the default (3).',
      onChange: (v) => writeTask(ctx, zeebe, { retries: v.trim() === '' ? undefined : v.trim() }) }));
  }
  const out = [section('Service task', ...parts)];
  if (spec) out.push(section('Inputs', ...spec.inputs.map((s) => builtinInput(ctx, task, zeebe, s)), spec.fields ? appFields(ctx, task, zeebe, type) : null,
    spec.extra ? extraInputs(ctx, task, zeebe, spec) : null));
  if (choice === 'external') out.push(section('Inputs', extraInputs(ctx, task, zeebe, null)));
  if (choice && (choice === 'external' || spec.result)) out.push(section('Outputs', outputs(ctx, task, zeebe, spec)));
  if (zeebe || (model.has('zeebe:IoMapping') && extension(bo, 'zeebe:IoMapping'))) out.push(zeebeView(ctx, zeebe));
  return out;
}

// writeTask sets attributes of parley:task, creating it from Zeebe's definition when the file
// has only that, so that what the engine reads stays the same until the person changes it.
function writeTask(ctx, zeebe, props) {
  const created = extension(ctx.bo, 'parley:Task') ? {} : { type: zeebe?.type ?? '', retries: zeebe?.retries };
  setExtension(ctx.model, ctx.shape, ctx.bo, 'parley:Task', { ...created, ...props });
}

// changeType switches the task to another type and drops the inputs and outputs the new type
// does not read (a url on a chat reply would be refused at publish).
function changeType(ctx, task, zeebe, choice) {
  if (choice === '') return;
  ctx.setPending('type', choice === 'external');
  const type = choice === 'external' ? (catalog[task?.type] ? '' : task?.type ?? zeebe?.type ?? '') : choice;
  const spec = catalog[type];
  const props = { type };
  if (task && spec) {
    const known = new Set(spec.inputs.map((s) => s.name));
    props.inputs = task.get('inputs').filter((i) => known.has(i.name) || spec.fields || (spec.extra && (i.name.startsWith('header.') || i.name.startsWith('error.'))));
    if (!spec.result) props.outputs = [];
  }
  writeTask(ctx, zeebe, props);
}

function findInput(task, name) {
  return task ? task.get('inputs').find((i) => i.name === name) : undefined;
}

// setInput writes the input name as a template (value) or an expression; both empty removes it.
function setInput(ctx, task, zeebe, name, { value, expression }) {
  task = extension(ctx.bo, 'parley:Task');
  const existing = findInput(task, name);
  const empty = (value === undefined || value === '') && (expression === undefined || expression === '');
  if (existing && empty) return removeListItem(ctx.model, ctx.shape, task, 'inputs', existing);
  if (empty) return;
  if (existing) return ctx.model.set(ctx.shape, existing, { value, expression });
  addListItem(ctx.model, ctx.shape, ctx.bo, 'parley:Task', 'inputs', 'parley:Input', { name, value, expression },
    { type: zeebe?.type ?? '', retries: zeebe?.retries });
}

function builtinInput(ctx, task, zeebe, s) {
  const input = findInput(task, s.name);
  const set = (v) => setInput(ctx, task, zeebe, s.name, v);
  const label = s.required ? `${s.label} (required)` : s.label;
  const key = `input.${s.name}`;
  switch (s.kind) {
    case 'method':
      return selectField({ key, label, value: input?.value ?? '', options: [{ value: '', label: 'Default' }, ...methods.map((m) => ({ value: m, label: m }))],
        hint: 'By default POST when the task has a body, else GET.', onChange: (v) => set({ value: v }) });
    case 'app':
      return selectField({ key, label, value: input?.value ?? '', options: [{ value: '', label: ctx.data.apps ? 'Choose an app…' : 'Loading apps…' },
        ...(ctx.data.apps || []).map((a) => ({ value: `${a.workspace}/${a.code}`, label: `${a.name} (${a.workspace}/${a.code})` }))],
      hint: 'The workspace app the item is created in.', onChange: (v) => set({ value: v }) });
    case 'item': {
      const items = ctx.vars().filter((v) => v.type.startsWith('item:'));
      return selectField({ key, label, value: input?.expression ?? '', options: [{ value: '', label: items.length ? 'Choose a variable…' : 'Declare a variable of type item:<workspace>/<app> first' },
        ...items.map((v) => ({ value: v.name, label: `${v.name} (${v.type})` }))],
      hint: 'The variable holding the item to change; its type says which app.', onChange: (v) => set({ expression: v }) });
    }
    case 'operator': {
      const current = input ? (input.expression ? `var:${input.expression}` : `login:${input.value ?? ''}`) : '';
      const users = ctx.vars().filter((v) => v.type === 'user');
      const select = selectField({ key, label, value: current, options: [{ value: '', label: 'Choose…' },
        ...users.map((v) => ({ value: `var:${v.name}`, label: `The user in ${v.name}` })),
        ...(ctx.data.users || []).filter((u) => u.login).map((u) => ({ value: `login:${u.login}`, label: personLabel(u) }))],
      hint: 'A variable of type user, or a fixed person.',
      onChange: (v) => set(v.startsWith('var:') ? { expression: v.slice(4) } : { value: v.slice(6) || undefined }) });
      return select;
    }
    default:
      return templateOrExpression(ctx, key, label, s.hint, input, set);
  }
}

// templateOrExpression edits an input that may be text with placeholders or one expression.
function templateOrExpression(ctx, key, label, hint, input, set) {
  const asExpr = input ? input.expression !== undefined : ctx.pending(key) === 'expression';
  const mode = selectField({ key: `${key}.mode`, label: `${label}: written as`, value: asExpr ? 'expression' : 'value',
    options: [{ value: 'value', label: 'Text with {{ }} placeholders' }, { value: 'expression', label: 'One expression' }],
    onChange: (v) => {
      ctx.setPending(key, v);
      const cur = input ? input.value ?? input.expression ?? '' : '';
      if (input) set(v === 'expression' ? { expression: cur, value: undefined } : { value: cur, expression: undefined });
      else ctx.rerender();
    } });
  const field = exprField({ key, label, value: input ? input.value ?? input.expression ?? '' : '', hint, names: ctx.names,
    onChange: (v) => set(asExpr ? { expression: v.trim(), value: undefined } : { value: v, expression: undefined }) });
  return h('div', { class: 'pp-group' }, field, mode);
}

// appFields maps each field of the task's app to a variable, an expression or text. The app is
// the app input of app.createItem, or the type of the item variable of app.updateItem.
function appFields(ctx, task, zeebe, type) {
  let ref = '';
  if (type === 'app.createItem') ref = findInput(task, 'app')?.value ?? '';
  else {
    const v = ctx.vars().find((x) => x.name === findInput(task, 'item')?.expression);
    ref = v ? v.type.slice('item:'.length) : '';
  }
  if (!ref) return note(type === 'app.createItem' ? 'Choose the app to see its fields.' : 'Choose the item variable to see its app’s fields.');
  if (!ctx.data.apps) return note('Loading the app’s fields…');
  const app = ctx.data.apps.find((a) => `${a.workspace}/${a.code}` === ref);
  if (!app) return note(`There is no app ${ref}: publishing will be refused.`, 'warn');
  return h('div', { class: 'pp-fields', dataset: { appFields: ref } },
    h('p', { class: 'pp-hint' }, `Fields of ${app.name}:`),
    app.fields.map((f) => fieldInput(ctx, task, zeebe, f, type === 'app.createItem')));
}

function fieldInput(ctx, task, zeebe, f, creating) {
  const input = findInput(task, f.code);
  const set = (v) => setInput(ctx, task, zeebe, f.code, v);
  const key = `field.${f.code}`;
  const same = ctx.vars().filter((v) => v.type === f.type);
  let mode = ctx.pending(key) || '';
  if (input) {
    const e = input.expression?.trim();
    // A bare variable shows as that choice, unless the person just asked to write an expression.
    const asVariable = e !== undefined && same.some((v) => v.name === e) && ctx.pending(key) !== 'expression';
    mode = e !== undefined ? (asVariable ? `var:${e}` : 'expression') : 'value';
  }
  const required = f.required && creating ? ', required' : '';
  const label = `${f.title || f.code} (${f.type}${required})`;
  const options = [{ value: '', label: creating ? 'Not set' : 'Unchanged' },
    ...same.map((v) => ({ value: `var:${v.name}`, label: `The variable ${v.name}` })),
    { value: 'expression', label: 'An expression…' }];
  if (f.type === 'string') options.push({ value: 'value', label: 'Text…' });
  const parts = [selectField({ key, label, value: mode, options, onChange: (v) => {
    ctx.setPending(key, v.startsWith('var:') ? '' : v);
    if (v === '') set({});
    else if (v.startsWith('var:')) set({ expression: v.slice(4), value: undefined });
    else if (input && v === 'value') set({ value: input.expression ?? '', expression: undefined });
    else ctx.rerender();
  } })];
  if (mode === 'expression' || mode === 'value') {
    parts.push(exprField({ key: `${key}.text`, label: mode === 'value' ? `${f.title || f.code}: text` : `${f.title || f.code}: expression`,
      value: input ? input.value ?? input.expression ?? '' : '', names: ctx.names,
      hint: mode === 'value' ? 'Text with {{ }} placeholders.' : `An expression giving a ${f.type}.`,
      onChange: (v) => set(mode === 'value' ? { value: v, expression: undefined } : { expression: v.trim(), value: undefined }) }));
  }
  return h('div', { class: 'pp-group', dataset: { field: f.code } }, parts);
}

// extraInputs lists the inputs no catalog control shows: all of an outside worker's job's,
// and an http task's headers.
function extraInputs(ctx, task, zeebe, spec) {
  const covered = new Set(spec ? spec.inputs.map((s) => s.name) : []);
  const items = task ? task.get('inputs').filter((i) => !covered.has(i.name)) : [];
  const add = () => addListItem(ctx.model, ctx.shape, ctx.bo, 'parley:Task', 'inputs', 'parley:Input',
    { name: spec ? 'header.' : `input${items.length + 1}`, value: '' }, { type: zeebe?.type ?? '', retries: zeebe?.retries });
  return h('div', {}, spec?.extra ? note(spec.extra) : null, listEditor({
    key: 'inputs', title: 'Input', items, addText: spec ? '+ Header' : '+ Input', onAdd: add,
    onRemove: (item) => removeListItem(ctx.model, ctx.shape, task, 'inputs', item),
    row: (item, i) => {
      const asExpr = item.expression !== undefined;
      return [
        textField({ key: `inputs.${i}.name`, label: 'Name', value: item.name, onChange: (v) => ctx.model.set(ctx.shape, item, { name: v.trim() }) }),
        selectField({ key: `inputs.${i}.mode`, label: 'Written as', value: asExpr ? 'expression' : 'value',
          options: [{ value: 'value', label: 'Text with {{ }} placeholders' }, { value: 'expression', label: 'One expression' }],
          onChange: (v) => { const cur = item.value ?? item.expression ?? ''; ctx.model.set(ctx.shape, item, v === 'expression' ? { expression: cur, value: undefined } : { value: cur, expression: undefined }); } }),
        exprField({ key: `inputs.${i}.value`, label: 'Value', value: item.value ?? item.expression ?? '', names: ctx.names,
          onChange: (v) => ctx.model.set(ctx.shape, item, asExpr ? { expression: v.trim() } : { value: v }) }),
      ];
    },
  }));
}

// outputs keeps parts of the task's result in process variables.
function outputs(ctx, task, zeebe, spec) {
  const items = task ? task.get('outputs') : [];
  const result = spec?.result || [];
  const names = () => [...result, ...ctx.names()];
  return h('div', {},
    note(result.length ? `The result has ${result.join(', ')}.` : "The result is whatever the worker completes the job with."),
    listEditor({
      key: 'outputs', title: 'Output', items, addText: '+ Output',
      onAdd: () => addListItem(ctx.model, ctx.shape, ctx.bo, 'parley:Task', 'outputs', 'parley:Output',
        { variable: '', expression: result[0] ?? '' }, { type: zeebe?.type ?? '', retries: zeebe?.retries }),
      onRemove: (item) => removeListItem(ctx.model, ctx.shape, task, 'outputs', item),
      onMove: (item, by) => moveListItem(ctx.model, ctx.shape, task, 'outputs', item, by),
      row: (item, i) => [
        variableSelect(ctx, `outputs.${i}.variable`, 'Variable', item.variable, (v) => ctx.model.set(ctx.shape, item, { variable: v })),
        exprField({ key: `outputs.${i}.expression`, label: 'Value from the result', value: item.expression ?? '', names,
          onChange: (v) => ctx.model.set(ctx.shape, item, { expression: v.trim() }) }),
      ],
    }));
}

// variableSelect picks one of the declared variables (optionally of some types).
export function variableSelect(ctx, key, label, value, onChange, filter = () => true, hint) {
  const vars = ctx.vars().filter(filter);
  return selectField({ key, label, value: value ?? '', hint,
    options: [{ value: '', label: vars.length ? 'Choose a variable…' : 'Declare a variable on the process first' },
      ...vars.map((v) => ({ value: v.name, label: `${v.name} (${v.type})` }))], onChange });
}

// zeebeView shows what a Camunda 8 file says, which the engine reads when Parley's own
// element does not say it.
function zeebeView(ctx, zeebe) {
  const io = extension(ctx.bo, 'zeebe:IoMapping');
  const lines = [];
  if (zeebe) lines.push(`Task definition: type ${zeebe.type || '(none)'}${zeebe.retries ? `, retries ${zeebe.retries}` : ''}`);
  for (const p of io ? io.get('inputParameters') : []) lines.push(`Input ${p.target} ← ${p.source}`);
  for (const p of io ? io.get('outputParameters') : []) lines.push(`Output ${p.target} ← ${p.source}`);
  for (const th of extensions(ctx.bo, 'zeebe:TaskHeaders')) {
    for (const hd of th.get('values')) lines.push(`Header ${hd.key} = ${hd.value}`);
  }
  return section('From Zeebe (Camunda 8)',
    note('Read by the engine where Parley’s settings above are not given; edits here write Parley’s.'),
    h('ul', { class: 'pp-readonly', dataset: { zeebe: '' } }, lines.map((l) => h('li', {}, l))));
}

// The process's own section, shown when nothing (or the process) is selected: its name, the
// executable flag Parley honours, and the declared variables with their types, required flags
// and titles. The variables live in the draft's JSON, not in the XML, so their edits go to
// onVariablesChange rather than to the command stack.

import { h } from '../dom.js';
import { button, checkField, note, section, selectField, textField } from './props-ui.js';

// kinds are the value types of internal/value (value.kinds), item aside: items are listed per
// app, as item:<workspace>/<app>.
export const kinds = ['string', 'integer', 'number', 'boolean', 'datetime', 'money', 'phone', 'email', 'user', 'session', 'list', 'object'];

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

// processOf finds the executable process behind the root shape: the process itself, or the
// process of a pool in a collaboration (the first executable one, else the first).
export function processOf(rootBo) {
  if (rootBo.$instanceOf('bpmn:Process')) return rootBo;
  if (rootBo.$instanceOf('bpmn:Participant')) return rootBo.processRef || null;
  const procs = (rootBo.participants || []).map((p) => p.processRef).filter(Boolean);
  return procs.find((p) => p.isExecutable) || procs[0] || null;
}

export function processSection(ctx) {
  const { model, shape } = ctx;
  const proc = processOf(shape.businessObject);
  const out = [];
  if (proc) {
    out.push(section('In the diagram',
      textField({ key: 'process.name', label: 'Name in the diagram', value: proc.name ?? '', onChange: (v) => model.set(shape, proc, { name: v || undefined }) }),
      checkField({ key: 'process.executable', label: 'Executable (Parley runs this process)', checked: proc.isExecutable !== false,
        onChange: (v) => model.set(shape, proc, { isExecutable: v }) }),
      proc.isExecutable === false ? note('Parley refuses a file with no executable process.', 'warn') : null));
  }
  out.push(section('Variables', variablesEditor(ctx)));
  return out;
}

// typeOptions lists every type a variable may have: the kinds, then one item type per app.
function typeOptions(ctx) {
  return [...kinds.map((k) => ({ value: k, label: k })),
    ...(ctx.data.apps || []).map((a) => ({ value: `item:${a.workspace}/${a.code}`, label: `item of ${a.name} (${a.workspace}/${a.code})` }))];
}

function variablesEditor(ctx) {
  const vars = ctx.allVars();
  // Handlers read the list as it is when they run: an edit drawn a moment ago is in it.
  const change = (i, props) => ctx.setVariables(ctx.allVars().map((v, j) => (j === i ? { ...v, ...props } : v)));
  const rows = vars.map((v, i) => {
    const name = v.name || `variable ${i + 1}`;
    const bad = v.name && !identifier.test(v.name);
    const dup = v.name && vars.findIndex((x) => x.name === v.name) !== i;
    return h('fieldset', { class: 'pp-row', dataset: { row: `vars.${i}`, variable: v.name } },
      h('legend', {}, `Variable ${i + 1}`),
      textField({ key: `vars.${i}.name`, label: 'Name', value: v.name, hint: 'Letters, digits and _, as expressions name it.', onChange: (x) => change(i, { name: x.trim() }) }),
      bad ? note(`“${v.name}” cannot be used in expressions: use letters, digits and _, not starting with a digit.`, 'warn') : null,
      dup ? note(`“${v.name}” is declared twice.`, 'warn') : null,
      selectField({ key: `vars.${i}.type`, label: 'Type', value: v.type || 'string', options: typeOptions(ctx), onChange: (x) => change(i, { type: x }) }),
      checkField({ key: `vars.${i}.required`, label: 'Required to start', checked: v.required, onChange: (x) => change(i, { required: x }) }),
      textField({ key: `vars.${i}.title`, label: 'Title shown to people', value: v.title ?? '', onChange: (x) => change(i, { title: x.trim() }) }),
      h('div', { class: 'pp-row-actions' }, button({ key: `vars.${i}.remove`, text: '×', label: `Remove the variable ${name}`,
        onClick: () => ctx.setVariables(ctx.allVars().filter((_, j) => j !== i)) })));
  });
  return h('div', { class: 'pp-list', dataset: { list: 'vars' } },
    rows.length ? rows : note('No variables yet: declare the data the process works with.'),
    button({ key: 'vars.add', text: '+ Variable', onClick: () => ctx.setVariables([...ctx.allVars(), { name: '', type: 'string', required: false, title: '' }]) }));
}

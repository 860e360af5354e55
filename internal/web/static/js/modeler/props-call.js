// Call activities and multi-instance, written in Zeebe's standard form, which the engine reads:
// zeebe:calledElement (the called process's code, and latest or a pinned version as Zeebe's
// bindingType/versionTag), zeebe:ioMapping (what goes in and what comes back), and a
// bpmn:multiInstanceLoopCharacteristics carrying zeebe:loopCharacteristics (the collection,
// the element, the output) and bpmn:completionCondition. Expressions are written with Zeebe's
// leading "=" and shown without it.

import { extension, extensions, putExtension, setCmd, setExtension } from './props-model.js';
import { exprField, listEditor, note, section, selectField, textField, checkField } from './props-ui.js';
import { variableSelect } from './props-service.js';

const bare = (s) => (s && s.startsWith('=') ? s.slice(1) : s ?? '');
const feel = (s) => (s.trim() ? `=${s.trim()}` : undefined);

// callActivity edits which process is called, which version, and the mappings.
export function callActivity(ctx) {
  const { model, shape, bo } = ctx;
  if (!model.has('zeebe:CalledElement')) return [section('Call activity', note('The Zeebe descriptor is not loaded: reload the page.', 'warn'))];
  const called = extension(bo, 'zeebe:CalledElement');
  const code = called?.processId ?? '';
  const processes = (ctx.data.processes || []).filter((p) => p.published_version && !p.unpublished);
  const chosen = processes.find((p) => p.code === code);
  const set = (props) => setExtension(model, shape, bo, 'zeebe:CalledElement', props);
  const pinned = called?.bindingType === 'versionTag' ? called.versionTag ?? '' : '';
  const versions = [{ value: '', label: 'The latest published version, when it is called' }];
  for (let n = chosen ? chosen.published_version : 0; n >= 1; n--) versions.push({ value: String(n), label: `Version ${n}` });
  const parts = [
    selectField({ key: 'call.process', label: 'Called process', value: code,
      options: [{ value: '', label: ctx.data.processes ? 'Choose a published process…' : 'Loading processes…' },
        ...processes.map((p) => ({ value: p.code, label: `${p.name} (${p.code})` }))],
      hint: 'A child instance of it starts when a token arrives, and the token waits until the child ends.',
      onChange: (v) => set({ processId: v || undefined, bindingType: undefined, versionTag: undefined }) }),
  ];
  if (code && !chosen && ctx.data.processes) parts.push(note(`No published process has the code ${code}: publishing will refuse the call.`, 'warn'));
  if (code) {
    parts.push(selectField({ key: 'call.version', label: 'Version', value: pinned, options: versions,
      onChange: (v) => set(v ? { bindingType: 'versionTag', versionTag: v } : { bindingType: undefined, versionTag: undefined }) }));
    parts.push(checkField({ key: 'call.all', label: 'Copy all the child’s variables back when it ends', checked: called.propagateAllChildVariables !== false,
      hint: 'Untick to take back only the outputs below.', onChange: (v) => set({ propagateAllChildVariables: v ? undefined : false }) }));
  }
  return [section('Call activity', ...parts), section('Mappings', ...ioMapping(ctx))];
}

// ioMapping edits zeebe:ioMapping's inputs (into the child) and outputs (back to this process).
function ioMapping(ctx) {
  const { model, shape, bo } = ctx;
  const io = extension(bo, 'zeebe:IoMapping');
  const list = (prop) => (io ? io.get(prop) : []);
  const add = (prop, type) => {
    const item = model.create(type, { source: '', target: '' });
    if (io) {
      item.$parent = io;
      model.set(shape, io, { [prop]: [...io.get(prop), item] });
    } else {
      model.run(putExtension(model, shape, bo, model.create('zeebe:IoMapping', { [prop]: [item] })));
    }
  };
  const remove = (prop, item) => model.set(shape, io, { [prop]: io.get(prop).filter((x) => x !== item) });
  return [
    listEditor({ key: 'io.in', title: 'Input', items: list('inputParameters'), addText: '+ Input', empty: 'No inputs: the child starts with the variables it is given by default.',
      onAdd: () => add('inputParameters', 'zeebe:Input'), onRemove: (item) => remove('inputParameters', item),
      row: (item, i) => [
        textField({ key: `io.in.${i}.target`, label: 'Variable of the child', value: item.target ?? '', onChange: (v) => model.set(shape, item, { target: v.trim() }) }),
        exprField({ key: `io.in.${i}.source`, label: 'Value (expression)', value: bare(item.source), names: ctx.names, onChange: (v) => model.set(shape, item, { source: feel(v) }) }),
      ] }),
    listEditor({ key: 'io.out', title: 'Output', items: list('outputParameters'), addText: '+ Output',
      onAdd: () => add('outputParameters', 'zeebe:Output'), onRemove: (item) => remove('outputParameters', item),
      row: (item, i) => [
        variableSelect(ctx, `io.out.${i}.target`, 'Variable of this process', item.target, (v) => model.set(shape, item, { target: v })),
        textField({ key: `io.out.${i}.source`, label: 'Value (expression over the child’s variables)', value: bare(item.source), onChange: (v) => model.set(shape, item, { source: feel(v) }) }),
      ] }),
  ];
}

// loops tells which activities may run once per item: tasks, sub-processes (not event
// sub-processes) and call activities.
export function loops(bo) {
  if (bo.$instanceOf('bpmn:SubProcess')) return !bo.triggeredByEvent;
  return bo.$instanceOf('bpmn:Task') || bo.$instanceOf('bpmn:CallActivity');
}

const modes = [
  { value: '', label: 'Once' },
  { value: 'parallel', label: 'Once per item, all at once (parallel)' },
  { value: 'sequential', label: 'Once per item, one after another (sequential)' },
];

// multiInstance edits whether the activity runs once per item of a collection, and how.
export function multiInstance(ctx) {
  const { model, shape, bo } = ctx;
  const loop = bo.loopCharacteristics;
  const mi = loop && loop.$instanceOf('bpmn:MultiInstanceLoopCharacteristics') ? loop : null;
  const mode = mi ? (mi.isSequential ? 'sequential' : 'parallel') : '';
  const setMode = (v) => {
    if (!v) return model.run([['element.updateProperties', { element: shape, properties: { loopCharacteristics: undefined } }]]);
    if (mi) return model.set(shape, mi, { isSequential: v === 'sequential' });
    const made = model.create('bpmn:MultiInstanceLoopCharacteristics', { isSequential: v === 'sequential' || undefined }, bo);
    return model.run([['element.updateProperties', { element: shape, properties: { loopCharacteristics: made } }]]);
  };
  const parts = [selectField({ key: 'mi.mode', label: 'Runs', value: mode, options: modes, onChange: setMode })];
  if (loop && !mi) parts.push(note('A standard loop is drawn here; Parley runs only multi-instance activities.', 'warn'));
  if (mi) {
    const zl = model.has('zeebe:LoopCharacteristics') ? extensions(mi, 'zeebe:LoopCharacteristics')[0] : null;
    const setZ = (props) => {
      if (zl) return model.set(shape, zl, props);
      return model.run(putExtension(model, shape, mi, model.create('zeebe:LoopCharacteristics', props)));
    };
    const cond = mi.completionCondition?.body ?? '';
    parts.push(
      exprField({ key: 'mi.collection', label: 'Input collection', value: bare(zl?.inputCollection), names: ctx.names, placeholder: 'items',
        hint: 'An expression giving a list: one instance runs for each of its items.', onChange: (v) => setZ({ inputCollection: feel(v) }) }),
      textField({ key: 'mi.element', label: 'Input element', value: zl?.inputElement ?? '', placeholder: 'item',
        hint: 'The variable holding the current item, local to each instance.', onChange: (v) => setZ({ inputElement: v.trim() || undefined }) }),
      textField({ key: 'mi.outputCollection', label: 'Output collection', value: zl?.outputCollection ?? '', placeholder: 'results',
        hint: 'Optional: the list variable that gathers each instance’s output element, in item order.', onChange: (v) => setZ({ outputCollection: v.trim() || undefined }) }),
      exprField({ key: 'mi.outputElement', label: 'Output element', value: bare(zl?.outputElement), names: ctx.names,
        hint: 'The expression each instance adds to the output collection.', onChange: (v) => setZ({ outputElement: feel(v) }) }),
      exprField({ key: 'mi.completion', label: 'Completion condition', value: bare(cond), names: ctx.names,
        hint: 'Optional: when true after an instance ends, the others are cancelled and the activity completes.',
        onChange: (v) => {
          const expr = feel(v) ? model.create('bpmn:FormalExpression', { body: feel(v) }, mi) : undefined;
          model.run([setCmd(shape, mi, { completionCondition: expr })]);
        } }));
    if (mi.loopCardinality) parts.push(note(`The file sets a loop cardinality (${mi.loopCardinality.body}): without an input collection, it runs that many times.`));
    else if (!zl?.inputCollection) parts.push(note('Set the input collection: publishing refuses a multi-instance activity without one (or a loop cardinality).', 'warn'));
  }
  return [section('Multi-instance', ...parts)];
}

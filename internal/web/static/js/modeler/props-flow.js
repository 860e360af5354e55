// Script tasks' assignments, and the conditions of sequence flows out of exclusive and inclusive gateways,
// with completion of the declared variables in every expression.

import { addListItem, extension, moveListItem, removeListItem } from './props-model.js';
import { checkField, exprField, listEditor, note, section } from './props-ui.js';
import { variableSelect } from './props-service.js';

// scriptTask edits parley:script: assignments evaluated in order. Zeebe's one-line script is
// shown when the file has it.
export function scriptTask(ctx) {
  const { model, shape, bo } = ctx;
  const script = extension(bo, 'parley:Script');
  const items = script ? script.get('assignments') : [];
  const parts = [listEditor({
    key: 'assign', title: 'Assignment', items, addText: '+ Assignment', empty: 'A script task needs at least one assignment.',
    onAdd: () => addListItem(model, shape, bo, 'parley:Script', 'assignments', 'parley:Assign', { variable: '', expression: '' }),
    onRemove: (item) => removeListItem(model, shape, script, 'assignments', item),
    onMove: (item, by) => moveListItem(model, shape, script, 'assignments', item, by),
    row: (item, i) => [
      variableSelect(ctx, `assign.${i}.variable`, 'Variable', item.variable, (v) => model.set(shape, item, { variable: v })),
      exprField({ key: `assign.${i}.expression`, label: 'Expression', value: item.expression ?? '', names: ctx.names,
        hint: 'expr-lang, such as a + 1 or lower(answer) contains "yes".', onChange: (v) => model.set(shape, item, { expression: v.trim() }) }),
    ],
  })];
  const zs = model.has('zeebe:Script') ? extension(bo, 'zeebe:Script') : null;
  if (zs) parts.push(note(`Zeebe's script: ${zs.resultVariable} = ${zs.expression}`));
  return [section('Script: assignments, in order', ...parts)];
}

// sequenceFlow edits the condition of a flow leaving an exclusive or inclusive gateway, and
// whether it is the gateway's default flow (which has no condition).
export function sequenceFlow(ctx) {
  const { model, shape, bo } = ctx;
  const source = bo.sourceRef;
  const inclusive = source && source.$instanceOf('bpmn:InclusiveGateway');
  if (!source || !(source.$instanceOf('bpmn:ExclusiveGateway') || inclusive)) {
    return [section('Sequence flow', note('Only flows out of an exclusive or inclusive gateway have conditions.'))];
  }
  const isDefault = source.default === bo;
  const body = bo.conditionExpression?.body ?? '';
  const parts = [checkField({
    key: 'flow.default', label: 'Default flow (taken when no condition is true)', checked: isDefault,
    onChange: (v) => {
      const gateway = shape.source;
      const cmds = [['element.updateProperties', { element: gateway, properties: { default: v ? bo : undefined } }]];
      if (v && bo.conditionExpression) cmds.push(['element.updateProperties', { element: shape, properties: { conditionExpression: undefined } }]);
      model.run(cmds);
    },
  })];
  if (!isDefault) {
    parts.push(exprField({ key: 'flow.condition', label: 'Condition', value: body, names: ctx.names, placeholder: 'score >= 50',
      hint: inclusive ? 'A true/false expression over the declared variables. Every flow whose condition is true is taken.'
        : 'A true/false expression over the declared variables. Conditions are tried in the order the flows were drawn.',
      onChange: (v) => {
        v = v.trim();
        const expr = v ? model.create('bpmn:FormalExpression', { body: v }) : undefined;
        model.run([['element.updateProperties', { element: shape, properties: { conditionExpression: expr } }]]);
      } }));
  }
  return [section('Condition', ...parts)];
}

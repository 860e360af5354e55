// Errors, escalations and links: which bpmn:error (or bpmn:escalation) an event throws or
// catches, picked from those the file defines or made new, with its code; and the name that
// pairs a link throw event with its catch event.

import { definitionsOf, setCmd } from './props-model.js';
import { note, section, selectField, textField } from './props-ui.js';

const NEW = '__new';

const kinds = {
  error: { type: 'bpmn:Error', ref: 'errorRef', code: 'errorCode', title: 'Error', noun: 'error',
    hint: 'The code the thrower and the catcher agree on, such as out_of_stock. A job worker fails a job with it; an error end event throws it.' },
  escalation: { type: 'bpmn:Escalation', ref: 'escalationRef', code: 'escalationCode', title: 'Escalation', noun: 'escalation',
    hint: 'The code the thrower and the catcher agree on, such as order_late.' },
};

// catches reports whether the event waits for what its definition names (a boundary or start
// event) rather than throwing it: a catching event may leave the reference out and catch any.
function catches(bo) {
  return bo.$instanceOf('bpmn:BoundaryEvent') || bo.$instanceOf('bpmn:StartEvent') || bo.$instanceOf('bpmn:IntermediateCatchEvent');
}

// codedEvent edits an error or escalation event definition (kind "error" or "escalation").
export function codedEvent(ctx, def, kind) {
  const { model, shape, bo } = ctx;
  const k = kinds[kind];
  const defs = definitionsOf(bo);
  const all = defs.get('rootElements').filter((e) => e.$instanceOf(k.type));
  const current = def[k.ref];
  const catching = catches(bo);
  const users = (target) => countUsers(defs, k.ref, target);
  const options = [
    { value: '', label: catching ? `Any ${k.noun} (catches every code)` : `Choose an ${k.noun}…` },
    ...all.map((e) => ({ value: e.id, label: `${e.name || e.id} (code ${e[k.code] || 'none'})` })),
    { value: NEW, label: `New ${k.noun}` },
  ];
  const choose = (v) => {
    if (v === NEW) {
      const made = model.createWithID(k.type, { name: bo.name || undefined }, defs);
      model.run([setCmd(shape, defs, { rootElements: [...defs.get('rootElements'), made] }), setCmd(shape, def, { [k.ref]: made })]);
    } else {
      model.set(shape, def, { [k.ref]: all.find((e) => e.id === v) });
    }
  };
  const parts = [selectField({ key: `${kind}.ref`, label: k.title, value: current ? current.id : '', options, onChange: choose })];
  if (current) {
    parts.push(
      textField({ key: `${kind}.code`, label: `${k.title} code`, value: current[k.code] ?? '', hint: k.hint,
        onChange: (v) => model.set(shape, current, { [k.code]: v.trim() || undefined }) }),
      textField({ key: `${kind}.name`, label: `${k.title} name`, value: current.name ?? '', hint: 'For people reading the diagram.',
        onChange: (v) => model.set(shape, current, { name: v.trim() || undefined }) }));
    const n = users(current);
    if (n > 1) parts.push(note(`${n} events use this ${k.noun}: a change of its code or name changes it for all of them.`));
    if (!current[k.code]) parts.push(note(catching ? `An ${k.noun} without a code catches every code.` : `Give the ${k.noun} a code: publishing refuses one without.`, catching ? '' : 'warn'));
  } else if (!catching) {
    parts.push(note(`Choose or make the ${k.noun} this event throws.`, 'warn'));
  }
  return [section(k.title, ...parts)];
}

// countUsers counts the event definitions in the file that refer to target.
function countUsers(defs, refProp, target) {
  let n = 0;
  const walk = (el) => {
    if (!el || typeof el !== 'object') return;
    if (el[refProp] === target) n += 1;
    for (const key of ['rootElements', 'flowElements', 'eventDefinitions']) for (const child of el[key] || []) walk(child);
  };
  walk(defs);
  return n;
}

// link edits the name that pairs a link throw event with the catch event of the same name.
export function link(ctx, def) {
  const { model, shape, bo } = ctx;
  const throwing = bo.$instanceOf('bpmn:IntermediateThrowEvent');
  return [section('Link',
    textField({ key: 'link.name', label: 'Link name', value: def.name ?? '',
      hint: throwing ? 'The token goes on at the link catch event of this name, in the same process or sub-process.' : 'Link throw events of this name continue here.',
      onChange: (v) => model.set(shape, def, { name: v.trim() || undefined }) }))];
}

// Timers and message waits: the timer's definition (a duration, a date or a cycle) with a
// preview in words, and a message catch event's message name, correlation key and the
// variable that receives the customer's text.

import { h } from '../dom.js';
import { definitionsOf, extension, putExtension, removeExtension, setCmd, setExtension } from './props-model.js';
import { exprField, note, section, selectField, textField } from './props-ui.js';
import { variableSelect } from './props-service.js';

const units = [['Y', 'year'], ['M', 'month'], ['W', 'week'], ['D', 'day'], ['TH', 'hour'], ['TM', 'minute'], ['TS', 'second']];
const durationRe = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

// maxField is the engine's bound on each number (bpmn.maxDurationField).
const maxField = 999999999;

// parseDuration reads an ISO 8601 duration as the engine does (bpmn.ParseDuration): the parts
// in order, a fraction on seconds only. It returns [[amount, unit]…] or null.
export function parseDuration(s) {
  const text = String(s);
  const m = durationRe.exec(text);
  if (!m || text.endsWith('T') || m.slice(1).every((x) => x === undefined)) return null;
  const parts = units.map(([, unit], i) => [m[i + 1], unit]).filter(([n]) => n !== undefined)
    .map(([n, unit]) => [Number(n.replace(',', '.')), unit]);
  return parts.some(([n, unit]) => unit !== 'second' && n > maxField) ? null : parts;
}

function amount(n, unit) {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function joinWords(parts) {
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0];
}

// durationText says a duration in words ("4 hours", "1 day and 2 hours"), or gives an error.
export function durationText(s) {
  const parts = parseDuration(s);
  if (!parts) return { error: `“${s}” is not an ISO 8601 duration such as PT4H (4 hours) or P1D (1 day).` };
  const nonZero = parts.filter(([n]) => n !== 0);
  return { text: nonZero.length ? joinWords(nonZero.map(([n, u]) => amount(n, u))) : 'no time' };
}

// every says a repeat interval: "every hour", "every 2 days and 3 hours".
function every(parts) {
  const nonZero = parts.filter(([n]) => n !== 0);
  if (nonZero.length === 1 && nonZero[0][0] === 1) return `every ${nonZero[0][1]}`;
  return `every ${joinWords(nonZero.map(([n, u]) => amount(n, u)))}`;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function dateText(s) {
  if (!rfc3339.test(s.trim()) || Number.isNaN(Date.parse(s))) return null;
  return `${dateFormat.format(new Date(s))} UTC`;
}

// timerPreview says what a timer definition means: "in 4 hours", "on 31 Jan 2030, 09:00 UTC",
// "every hour, 3 times". It returns {text} or {error}.
export function timerPreview(kind, value) {
  const v = String(value || '').trim();
  if (!v) return { error: 'The timer has no value yet.' };
  if (/^(=|\$\{|#\{)/.test(v)) return { error: 'Expressions in timers are not supported; write a fixed value.' };
  if (kind === 'timeDuration') {
    const d = durationText(v);
    return d.error ? d : { text: `in ${d.text}` };
  }
  if (kind === 'timeDate') {
    const d = dateText(v);
    return d ? { text: `on ${d}` } : { error: `“${v}” is not an RFC 3339 time such as 2030-01-31T09:00:00Z.` };
  }
  // Zeebe writes a timer start event's cycle as cron: six fields, seconds first, or @daily…
  if (/^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(v) || v.split(/\s+/).length === 6) {
    return { text: `on the cron schedule “${v}”, in UTC` };
  }
  const m = /^R(\d*)\/(?:([^/]+)\/)?(P[^/]+)$/.exec(v);
  const parts = m && parseDuration(m[3]);
  if (!parts) return { error: `“${v}” is not a cycle such as R3/PT1H (every hour, 3 times).` };
  const times = m[1] === '' ? 'without end' : `${m[1]} time${m[1] === '1' ? '' : 's'}`;
  const start = m[2] ? dateText(m[2]) : '';
  if (m[2] && !start) return { error: `“${m[2]}” is not an RFC 3339 start time.` };
  return { text: `${every(parts)}, ${times}${start ? `, from ${start}` : ''}` };
}

const kinds = [['timeDuration', 'After a duration'], ['timeDate', 'At a date and time'], ['timeCycle', 'Repeatedly (cycle)']];

// timer edits a timer event's definition; the three kinds exclude each other.
export function timer(ctx, def) {
  const { model, shape } = ctx;
  const kind = ctx.pending('timer') || kinds.map(([k]) => k).find((k) => def[k]) || 'timeDuration';
  const value = def[kind]?.body ?? '';
  const write = (k, v) => {
    const props = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
    if (v !== '') props[k] = model.create('bpmn:FormalExpression', { body: v }, def);
    model.set(shape, def, props);
  };
  const preview = timerPreview(kind, value);
  const start = ctx.bo.$instanceOf('bpmn:StartEvent');
  return [section('Timer',
    selectField({ key: 'timer.kind', label: 'When it fires', value: kind, options: kinds.map(([v, label]) => ({ value: v, label })),
      onChange: (k) => { ctx.setPending('timer', k); if (value) write(k, value); else ctx.rerender(); } }),
    textField({ key: 'timer.value', label: { timeDuration: 'Duration', timeDate: 'Date and time', timeCycle: 'Cycle' }[kind], value,
      placeholder: { timeDuration: 'PT4H', timeDate: '2030-01-31T09:00:00Z', timeCycle: 'R3/PT1H' }[kind],
      hint: { timeDuration: 'ISO 8601: PT15M, PT4H, P1D, P1W…', timeDate: 'RFC 3339, with a time zone: 2030-01-31T09:00:00Z.', timeCycle: 'R<times>/<duration>, such as R3/PT1H.' }[kind],
      onChange: (v) => write(kind, v.trim()) }),
    h('p', { class: preview.error ? 'pp-note pp-warn' : 'pp-preview', dataset: { preview: 'timer' }, 'aria-live': 'polite' },
      preview.error || `Fires ${preview.text}.`),
    kind === 'timeCycle' && !start ? note('Parley refuses repeating timers on catch and interrupting boundary events: publishing will name this event.', 'warn') : null,
    start ? note(ctx.bo.$parent?.$instanceOf('bpmn:SubProcess')
      ? 'Starts the event sub-process when it fires, while the scope around it runs.'
      : 'A timer start event starts a new instance of the published version each time it fires.') : null)];
}

// message edits a message catch event: the bpmn:Message it refers to (its name), the
// correlation key (zeebe:subscription on that message, which is where the engine reads it) and
// parley:message variable.
export function message(ctx, def) {
  const { model, shape, bo } = ctx;
  const msg = def.messageRef;
  const sub = msg && model.has('zeebe:Subscription') ? extensionOf(msg, 'zeebe:Subscription') : null;
  const key = sub?.correlationKey ?? '';
  const pm = extension(bo, 'parley:Message');
  const parts = [
    textField({ key: 'message.name', label: 'Message name', value: msg?.name ?? '',
      hint: 'Needed for a correlated wait: POST /api/v1/messages names it. Leave empty to wait for the customer’s next chat message.',
      onChange: (v) => setMessage(ctx, def, { name: v.trim() || undefined }) }),
  ];
  if (model.has('zeebe:Subscription')) {
    parts.push(exprField({ key: 'message.key', label: 'Correlation key', value: key.startsWith('=') ? key.slice(1) : key ? JSON.stringify(key) : '',
      names: ctx.names, hint: 'An expression such as orderId. Empty: the session wait, completed by the customer’s next message.',
      onChange: (v) => setKey(ctx, def, v.trim()) }));
  }
  parts.push(variableSelect(ctx, 'message.variable', 'Variable receiving the text', pm?.variable, (v) => {
    if (!v && pm) model.run(removeExtension(shape, bo, pm));
    else if (v) setExtension(model, shape, bo, 'parley:Message', { variable: v });
  }, (v) => v.type === 'string', 'A string variable that gets the customer’s message text.'));
  parts.push(note(key ? 'Correlated wait: completed by a published message with this name and key.' : 'Session wait: completed by the customer’s next message in the linked session.'));
  return [section('Message', ...parts)];
}

// messageStart edits a message start event: the name of the message that starts an instance.
export function messageStart(ctx, def) {
  return [section('Message',
    textField({ key: 'message.name', label: 'Message name', value: def.messageRef?.name ?? '',
      hint: 'A message published with this name (POST /api/v1/messages) starts an instance of the published version; its variables are the instance’s.',
      onChange: (v) => setMessage(ctx, def, { name: v.trim() || undefined }) }),
    def.messageRef?.name ? null : note('Name the message: publishing refuses a message start event without one.', 'warn'))];
}

function extensionOf(el, type) {
  return ((el.extensionElements && el.extensionElements.get('values')) || []).find((v) => v.$instanceOf(type));
}

// setMessage changes the referenced bpmn:Message, creating it among the definitions' root
// elements when the event refers to none: one undoable step.
function setMessage(ctx, def, props) {
  const { model, shape } = ctx;
  if (def.messageRef) return model.set(shape, def.messageRef, props);
  const defs = definitionsOf(ctx.bo);
  const msg = model.createWithID('bpmn:Message', props, defs);
  model.run([setCmd(shape, defs, { rootElements: [...defs.get('rootElements'), msg] }), setCmd(shape, def, { messageRef: msg })]);
  return msg;
}

function setKey(ctx, def, expr) {
  const { model, shape } = ctx;
  const correlationKey = expr ? `=${expr}` : undefined;
  let msg = def.messageRef;
  const cmds = [];
  if (!msg) {
    if (!expr) return;
    const defs = definitionsOf(ctx.bo);
    msg = model.createWithID('bpmn:Message', { name: ctx.bo.name || ctx.bo.id }, defs);
    cmds.push(setCmd(shape, defs, { rootElements: [...defs.get('rootElements'), msg] }), setCmd(shape, def, { messageRef: msg }));
  }
  const sub = extensionOf(msg, 'zeebe:Subscription');
  if (sub) cmds.push(setCmd(shape, sub, { correlationKey }));
  else if (expr) cmds.push(...putExtension(model, shape, msg, model.create('zeebe:Subscription', { correlationKey })));
  model.run(cmds);
}

// Parley's side of the BPMN modeler: the moddle descriptor that teaches bpmn-js the parley:
// extension elements the engine reads (internal/process/bpmn), and the properties panel that
// writes them for the selected element.

import { h } from '../dom.js';
import { Model, eventDefinition } from './props-model.js';
import { dirty, note, section, textField } from './props-ui.js';
import { processSection } from './props-process.js';
import { serviceTask } from './props-service.js';
import { userTask } from './props-user.js';
import { scriptTask, sequenceFlow } from './props-flow.js';
import { message, messageStart, timer } from './props-timer.js';
import { codedEvent, link } from './props-events.js';
import { callActivity, loops, multiInstance } from './props-call.js';

// parleyModdle describes every parley: element the engine's parser accepts, with the element
// each one may sit on. Without it bpmn-js would keep the elements as untyped XML, and the panel
// could not edit them through the command stack. tagAlias lowerCase makes the type Task the
// tag parley:task, as the engine spells it.
export const parleyModdle = {
  name: 'Parley',
  prefix: 'parley',
  uri: 'https://parley.dev/schema/bpmn/1',
  xml: { tagAlias: 'lowerCase' },
  associations: [],
  types: [
    {
      // <parley:task type retries> on a service task, with its inputs and outputs.
      name: 'Task',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:ServiceTask'] },
      properties: [
        { name: 'type', type: 'String', isAttr: true },
        { name: 'retries', type: 'String', isAttr: true },
        { name: 'inputs', type: 'Input', isMany: true },
        { name: 'outputs', type: 'Output', isMany: true },
      ],
    },
    {
      // <parley:input name value|expression>: value is a template, expression one expression.
      name: 'Input',
      superClass: ['Element'],
      properties: [
        { name: 'name', type: 'String', isAttr: true },
        { name: 'value', type: 'String', isAttr: true },
        { name: 'expression', type: 'String', isAttr: true },
      ],
    },
    {
      // <parley:output variable expression>: a part of the task's result kept in a variable.
      name: 'Output',
      superClass: ['Element'],
      properties: [
        { name: 'variable', type: 'String', isAttr: true },
        { name: 'expression', type: 'String', isAttr: true },
      ],
    },
    {
      // <parley:assignee user userVariable group sessionOperator> on a user task.
      name: 'Assignee',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:UserTask'] },
      properties: [
        { name: 'user', type: 'String', isAttr: true },
        { name: 'userVariable', type: 'String', isAttr: true },
        { name: 'group', type: 'String', isAttr: true },
        { name: 'sessionOperator', type: 'Boolean', isAttr: true },
      ],
    },
    {
      // <parley:form> with the fields a person fills in, in display order.
      name: 'Form',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:UserTask'] },
      properties: [{ name: 'fields', type: 'Field', isMany: true }],
    },
    {
      name: 'Field',
      superClass: ['Element'],
      properties: [
        { name: 'variable', type: 'String', isAttr: true },
        { name: 'label', type: 'String', isAttr: true },
        { name: 'required', type: 'Boolean', isAttr: true },
      ],
    },
    {
      // <parley:due duration="PT4H">: when a user task becomes overdue.
      name: 'Due',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:UserTask'] },
      properties: [{ name: 'duration', type: 'String', isAttr: true }],
    },
    {
      // <parley:script> with assignments evaluated in order, on a script task.
      name: 'Script',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:ScriptTask'] },
      properties: [{ name: 'assignments', type: 'Assign', isMany: true }],
    },
    {
      name: 'Assign',
      superClass: ['Element'],
      properties: [
        { name: 'variable', type: 'String', isAttr: true },
        { name: 'expression', type: 'String', isAttr: true },
      ],
    },
    {
      // <parley:message variable> on a message catch event: the variable receiving the text.
      name: 'Message',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:IntermediateCatchEvent', 'bpmn:BoundaryEvent', 'bpmn:ReceiveTask'] },
      properties: [{ name: 'variable', type: 'String', isAttr: true }],
    },
  ],
};

// refused names the element types the engine does not run, so the panel can say so at once
// rather than leave it to publish (docs/bpmn.md, "What is refused").
const refused = ['bpmn:ComplexGateway', 'bpmn:Transaction', 'bpmn:AdHocSubProcess',
  'bpmn:SendTask', 'bpmn:BusinessRuleTask', 'bpmn:ManualTask'];

// throws names the event definitions an intermediate throw event may have in Parley.
const throws = ['bpmn:EscalationEventDefinition', 'bpmn:LinkEventDefinition'];

// sectionsFor draws the sections of the element's kind, then the multi-instance section of
// an activity that may run once per item.
function sectionsFor(ctx) {
  const { bo } = ctx;
  const unsupported = refused.some((t) => bo.$instanceOf(t))
    || (bo.$instanceOf('bpmn:IntermediateThrowEvent') && !throws.some((t) => eventDefinition(bo, t)));
  if (unsupported) {
    return [section('Not supported', note(`Parley does not run ${bo.$type.replace('bpmn:', '')} elements: publishing will refuse it. See docs/bpmn.md.`, 'warn'))];
  }
  const out = kindSections(ctx);
  if (loops(bo)) out.push(...multiInstance(ctx));
  return out;
}

function kindSections(ctx) {
  const { bo } = ctx;
  if (bo.$instanceOf('bpmn:Process') || bo.$instanceOf('bpmn:Collaboration') || bo.$instanceOf('bpmn:Participant')) return processSection(ctx);
  if (bo.$instanceOf('bpmn:ServiceTask')) return serviceTask(ctx);
  if (bo.$instanceOf('bpmn:UserTask')) return userTask(ctx);
  if (bo.$instanceOf('bpmn:ScriptTask')) return scriptTask(ctx);
  if (bo.$instanceOf('bpmn:SequenceFlow')) return sequenceFlow(ctx);
  if (bo.$instanceOf('bpmn:CallActivity')) return callActivity(ctx);
  const timerDef = eventDefinition(bo, 'bpmn:TimerEventDefinition');
  if (timerDef) return timer(ctx, timerDef);
  const messageDef = eventDefinition(bo, 'bpmn:MessageEventDefinition');
  // A message start event of the process starts instances; one of an event sub-process waits,
  // correlated, like a catch event.
  if (messageDef && bo.$instanceOf('bpmn:StartEvent') && !bo.$parent?.$instanceOf('bpmn:SubProcess')) return messageStart(ctx, messageDef);
  if (messageDef && bo.$instanceOf('bpmn:StartEvent')) return message(ctx, messageDef);
  if (messageDef && (bo.$instanceOf('bpmn:IntermediateCatchEvent') || bo.$instanceOf('bpmn:BoundaryEvent'))) return message(ctx, messageDef);
  const errorDef = eventDefinition(bo, 'bpmn:ErrorEventDefinition');
  if (errorDef) return codedEvent(ctx, errorDef, 'error');
  const escalationDef = eventDefinition(bo, 'bpmn:EscalationEventDefinition');
  if (escalationDef) return codedEvent(ctx, escalationDef, 'escalation');
  const linkDef = eventDefinition(bo, 'bpmn:LinkEventDefinition');
  if (linkDef) return link(ctx, linkDef);
  if (bo.$instanceOf('bpmn:EventBasedGateway')) {
    return [section('Event-based gateway', note('Follow it with timer and message catch events only: the first of them to fire takes the token, and the others are cancelled.'))];
  }
  if (bo.$instanceOf('bpmn:InclusiveGateway')) {
    return [section('Inclusive gateway', note('Takes every outgoing flow whose condition is true (select a flow to set its condition), else the default flow; as a merge it waits for the tokens that can still arrive.'))];
  }
  if (bo.$instanceOf('bpmn:SubProcess') && bo.triggeredByEvent) {
    return [section('Event sub-process', note('Starts when its start event fires while the process (or sub-process) around it runs: an error, escalation, message or timer start event. Select the start event to set it.'))];
  }
  if (bo.$instanceOf('bpmn:SubProcess')) {
    return [section('Sub-process', note('Its steps run as one scope: boundary events on it catch what is thrown inside, and interrupting ones cancel every step inside. Collapse it to draw its steps on a level of their own.'))];
  }
  if (bo.$instanceOf('bpmn:ReceiveTask')) return message(ctx, bo);
  return [];
}

// kindName says what the element is, for the panel's heading: "Service task".
function kindName(bo) {
  const words = bo.$type.replace(/^bpmn:/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// mountProperties renders the panel for the modeler's selection into container: the process
// and its variables when nothing is selected, else the selected element's Parley settings. It
// draws again after every command (so undo and redo show), keeping the focus on the control
// that had it. api is the api.js module; definition is the draft ({variables…});
// onVariablesChange(vars) receives the declared variables (those with a name) after each edit.
export function mountProperties({ modeler, container, api, definition, onVariablesChange }) {
  const model = new Model(modeler);
  const eventBus = modeler.get('eventBus');
  const canvas = modeler.get('canvas');
  const registry = modeler.get('elementRegistry');
  let vars = ((definition && definition.variables) || []).map((v) => ({ name: v.name, type: v.type, required: !!v.required, title: v.title || '' }));
  const data = { users: null, groups: null, apps: null, processes: null };
  const pending = new Map();
  let current = null;
  let scheduled = false;
  let destroyed = false;

  const root = h('div', { class: 'pp', dataset: { propertiesPanel: '' } });
  // The modeler's keyboard shortcuts (h, l, Delete…) must not fire while a person types here.
  root.addEventListener('keydown', (ev) => ev.stopPropagation());
  container.replaceChildren(root);

  // base is what every section may use; each drawing makes its own context on top of it, for
  // one shape, so that a handler of an earlier drawing still edits the element it was drawn for.
  const base = {
    model, data,
    vars: () => vars.filter((v) => v.name),
    allVars: () => vars,
    names: () => vars.map((v) => v.name).filter(Boolean),
    setVariables(next) {
      vars = next;
      if (onVariablesChange) onVariablesChange(vars.filter((v) => v.name).map((v) => ({ ...v })));
      schedule();
    },
    rerender: () => schedule(),
  };
  const contextFor = (shape, bo) => ({
    ...base, shape, bo,
    pending: (key) => pending.get(`${bo.id}:${key}`),
    setPending: (key, v) => pending.set(`${bo.id}:${key}`, v),
  });
  let renders = 0;
  let loading = 0;
  const failures = [];

  function render() {
    if (destroyed) return;
    const active = document.activeElement;
    const key = active && root.contains(active) ? active.dataset.key : null;
    const typed = key && active.tagName === 'INPUT' && active.type === 'text' && dirty(active)
      ? { value: active.value, start: active.selectionStart, end: active.selectionEnd } : null;
    const scroll = container.scrollTop;
    let shape = (current && registry.get(current.id)) || canvas.getRootElement();
    // On a collapsed sub-process's own level the root stands for the sub-process: its shape on
    // the level above is what the panel edits.
    if (shape && shape === canvas.getRootElement() && shape.businessObject?.$instanceOf('bpmn:SubProcess')) {
      shape = registry.get(shape.businessObject.id) || shape;
    }
    const bo = shape && shape.businessObject;
    if (!bo) {
      root.replaceChildren(note('Open or draw a diagram to set its properties.'));
      return;
    }
    const ctx = contextFor(shape, bo);
    const isRoot = shape === canvas.getRootElement();
    const heading = h('h2', { class: 'pp-title' }, isRoot ? 'Process' : `${kindName(bo)}${bo.name ? ` “${bo.name}”` : ''}`);
    const head = [heading, h('p', { class: 'pp-id' }, `id ${bo.id}`)];
    if (!isRoot && !bo.$instanceOf('bpmn:Participant') && 'name' in bo.$descriptor.propertiesByName) {
      head.push(textField({ key: 'name', label: 'Name', value: bo.name ?? '', onChange: (v) => model.run([['element.updateProperties', { element: shape, properties: { name: v || undefined } }]]) }));
    }
    root.replaceChildren(h('div', { class: 'pp-head' }, head), ...failures.map((f) => note(f, 'warn')), ...sectionsFor(ctx));
    container.scrollTop = scroll;
    // Tests wait on this count to know that an edit has been drawn.
    renders += 1;
    root.dataset.renders = String(renders);
    root.dataset.loaded = String(loading === 0);
    if (key) {
      const again = root.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (again) {
        if (typed && again.value !== typed.value) {
          again.value = typed.value;
          again.setSelectionRange(typed.start, typed.end);
        }
        again.focus();
      }
    }
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => { scheduled = false; render(); });
  }

  // A label selected on the canvas stands for its element (a flow's name, an event's).
  const onSelect = (ev) => {
    const one = ev.newSelection.length === 1 ? ev.newSelection[0] : null;
    current = one && one.labelTarget ? one.labelTarget : one;
    schedule();
  };
  const onImport = () => { current = null; pending.clear(); schedule(); };
  eventBus.on('selection.changed', onSelect);
  eventBus.on('commandStack.changed', schedule);
  eventBus.on('import.done', onImport);
  // Opening a collapsed sub-process's level, or leaving it, changes what "nothing selected" means.
  eventBus.on('root.set', schedule);

  // The pickers' lists load once; the panel draws again as each arrives.
  const load = (what, fn) => {
    loading += 1;
    fn().then((v) => { data[what] = v; }, (err) => {
      data[what] = [];
      failures.push(`The ${what} could not be loaded: ${err.message}`);
    }).finally(() => { loading -= 1; schedule(); });
  };
  load('users', () => api.listAll('/api/v1/users'));
  load('groups', () => api.listAll('/api/v1/groups'));
  load('processes', () => api.listAll('/api/v1/processes'));
  load('apps', async () => {
    const spaces = await api.listAll('/api/v1/workspaces');
    const lists = await Promise.all(spaces.map((ws) => api.listAll(`/api/v1/workspaces/${encodeURIComponent(ws.code)}/apps`)));
    return lists.flat();
  });
  render();

  return {
    destroy() {
      destroyed = true;
      eventBus.off('selection.changed', onSelect);
      eventBus.off('commandStack.changed', schedule);
      eventBus.off('import.done', onImport);
      eventBus.off('root.set', schedule);
      container.replaceChildren();
    },
  };
}

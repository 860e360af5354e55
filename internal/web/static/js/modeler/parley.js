// Parley's side of the BPMN modeler: the moddle descriptor that teaches bpmn-js the parley:
// extension elements the engine reads (internal/process/bpmn), and the properties panel that
// writes them for the selected element.

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
      meta: { allowedIn: ['bpmn:IntermediateCatchEvent'] },
      properties: [{ name: 'variable', type: 'String', isAttr: true }],
    },
  ],
};

// mountProperties renders the panel for the modeler's selection into container. The full
// panel lives in the props-*.js modules; see there.
export function mountProperties({ modeler, container, api, definition, onVariablesChange }) {
  void modeler; void api; void definition; void onVariablesChange;
  const note = document.createElement('p');
  note.textContent = 'Select an element to see its properties.';
  container.replaceChildren(note);
  return { destroy() { container.replaceChildren(); } };
}

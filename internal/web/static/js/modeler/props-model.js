// Reading and writing the business objects behind the modeler's shapes. Every write goes
// through bpmn-js's command stack, so that undo and redo cover what the panel does exactly as
// they cover moves and renames; an edit that needs several commands (a new bpmn:Message and
// the event that refers to it) runs as one command, so one undo takes it back whole.

const MULTI = 'parley.multi';
const registered = new WeakSet();

// MultiCommand executes its list of [command, context] pairs nested in one command: the
// command stack undoes nested commands together with the one that ran them.
class MultiCommand {
  constructor(commandStack) { this.commandStack = commandStack; }

  preExecute(commands) {
    for (const [cmd, context] of commands) this.commandStack.execute(cmd, context);
  }
}
MultiCommand.$inject = ['commandStack'];

// Model wraps one modeler for the panel's edits.
export class Model {
  constructor(modeler) {
    this.modeler = modeler;
    this.moddle = modeler.get('moddle');
    this.commandStack = modeler.get('commandStack');
    this.bpmnFactory = modeler.get('bpmnFactory');
    if (!registered.has(this.commandStack)) {
      this.commandStack.registerHandler(MULTI, MultiCommand);
      registered.add(this.commandStack);
    }
  }

  // has reports whether the modeler knows the moddle type (zeebe:… only with Zeebe's package).
  has(type) {
    try {
      return !!this.moddle.getType(type);
    } catch {
      return false;
    }
  }

  // create makes a moddle element with attrs, its children pointing back at it.
  create(type, attrs = {}, parent) {
    attrs = Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined));
    const el = this.moddle.create(type, attrs);
    if (parent) el.$parent = parent;
    for (const value of Object.values(attrs)) {
      for (const child of Array.isArray(value) ? value : [value]) {
        if (child && typeof child === 'object' && child.$type) child.$parent = el;
      }
    }
    return el;
  }

  // createWithID makes a BPMN element that needs an id unique in the file (a bpmn:Message).
  createWithID(type, attrs, parent) {
    const el = this.bpmnFactory.create(type, attrs);
    el.$parent = parent;
    return el;
  }

  // run executes [command, context] pairs as one undoable step.
  run(commands) {
    if (commands.length === 1) this.commandStack.execute(commands[0][0], commands[0][1]);
    else if (commands.length > 1) this.commandStack.execute(MULTI, commands);
  }

  // set changes properties of target, a business object or any moddle element under it, as
  // drawn by shape.
  set(shape, target, properties) {
    this.run([setCmd(shape, target, properties)]);
  }
}

export function setCmd(shape, target, properties) {
  return ['element.updateModdleProperties', { element: shape, moddleElement: target, properties }];
}

// extensions lists the extension elements of bo that are of type (parley:Task, zeebe:…).
export function extensions(bo, type) {
  const values = (bo && bo.extensionElements && bo.extensionElements.get('values')) || [];
  return values.filter((v) => v.$instanceOf && v.$instanceOf(type));
}

export function extension(bo, type) {
  return extensions(bo, type)[0];
}

// putExtension returns the commands that add el to bo's extension elements, creating
// <bpmn:extensionElements> when bo has none.
export function putExtension(model, shape, bo, el) {
  let ext = bo.extensionElements;
  if (!ext) {
    ext = model.create('bpmn:ExtensionElements', { values: [el] }, bo);
    return [setCmd(shape, bo, { extensionElements: ext })];
  }
  el.$parent = ext;
  return [setCmd(shape, ext, { values: [...ext.get('values'), el] })];
}

// removeExtension returns the command that takes el out of bo's extension elements.
export function removeExtension(shape, bo, el) {
  const ext = bo.extensionElements;
  return [setCmd(shape, ext, { values: ext.get('values').filter((v) => v !== el) })];
}

// setExtension sets properties on bo's extension element of type, creating it with them when
// bo has none: one undoable step either way.
export function setExtension(model, shape, bo, type, properties) {
  const el = extension(bo, type);
  if (el) {
    model.set(shape, el, properties);
    return el;
  }
  const created = model.create(type, properties);
  model.run(putExtension(model, shape, bo, created));
  return created;
}

// addListItem appends a new item of type to owner's list property, creating the owner (an
// extension element of ownerType on bo, with ownerAttrs) when there is none yet.
export function addListItem(model, shape, bo, ownerType, list, type, attrs, ownerAttrs = {}) {
  const owner = extension(bo, ownerType);
  if (owner) {
    const item = model.create(type, attrs, owner);
    model.set(shape, owner, { [list]: [...owner.get(list), item] });
    return item;
  }
  const item = model.create(type, attrs);
  const created = model.create(ownerType, { ...ownerAttrs, [list]: [item] });
  model.run(putExtension(model, shape, bo, created));
  return item;
}

// removeListItem takes item out of owner's list.
export function removeListItem(model, shape, owner, list, item) {
  model.set(shape, owner, { [list]: owner.get(list).filter((v) => v !== item) });
}

// moveListItem moves item one place up (-1) or down (+1) in owner's list.
export function moveListItem(model, shape, owner, list, item, by) {
  const items = [...owner.get(list)];
  const i = items.indexOf(item);
  const j = i + by;
  if (i < 0 || j < 0 || j >= items.length) return;
  [items[i], items[j]] = [items[j], items[i]];
  model.set(shape, owner, { [list]: items });
}

// eventDefinition returns bo's first event definition of type.
export function eventDefinition(bo, type) {
  return (bo.eventDefinitions || []).find((d) => d.$instanceOf(type));
}

// definitionsOf climbs from bo to the <bpmn:definitions> root.
export function definitionsOf(bo) {
  let el = bo;
  while (el && el.$parent) el = el.$parent;
  return el;
}

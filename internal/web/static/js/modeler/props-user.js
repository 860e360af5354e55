// The user task's section: who works on it (a person, a user variable, the session's operator,
// and groups whose members may claim it), the form fields they fill in, and the due time. The
// pickers list the real users and groups; Zeebe's assignment definition is shown when a file
// came from Camunda 8.

import { h } from '../dom.js';
import { addListItem, extension, moveListItem, removeExtension, removeListItem, setExtension } from './props-model.js';
import { checkField, listEditor, note, personLabel, section, selectField, textField, uid } from './props-ui.js';
import { variableSelect } from './props-service.js';
import { durationText } from './props-timer.js';

export function userTask(ctx) {
  const { bo } = ctx;
  const a = extension(bo, 'parley:Assignee');
  const z = ctx.model.has('zeebe:AssignmentDefinition') ? extension(bo, 'zeebe:AssignmentDefinition') : null;
  const out = [section('Assignee', ...assignee(ctx, a, z))];
  out.push(section('Form', form(ctx)));
  out.push(section('Due time', due(ctx)));
  return out;
}

// who reads which of the exclusive ways of assigning is set.
function who(a, z) {
  if (a) {
    if (a.sessionOperator) return 'operator';
    if (a.userVariable) return 'variable';
    if (a.user) return 'user';
    return 'groups';
  }
  if (z?.assignee) return z.assignee.startsWith('=') ? 'variable' : 'user';
  return z?.candidateGroups ? 'groups' : '';
}

function assignee(ctx, a, z) {
  const { model, shape, bo } = ctx;
  const kind = ctx.pending('assignee') || who(a, z);
  const groups = ((a ? a.group : z?.candidateGroups) || '').split(',').map((g) => g.trim()).filter(Boolean);
  // write replaces the exclusive part and keeps the groups; from Zeebe's definition the
  // current values are carried over, since Parley's element then wins.
  const write = (props) => {
    const base = a ? {} : { group: groups.join(',') || undefined };
    setExtension(model, shape, bo, 'parley:Assignee', { user: undefined, userVariable: undefined, sessionOperator: undefined, ...base, ...props });
  };
  const parts = [selectField({
    key: 'assignee.kind', label: 'Who works on the task', value: kind,
    options: [{ value: '', label: 'Anyone allowed (administrators)' }, { value: 'user', label: 'A person' },
      { value: 'variable', label: 'The person in a user variable' }, { value: 'operator', label: 'The operator of the linked session' },
      { value: 'groups', label: 'Only groups (members claim it)' }],
    onChange: (v) => {
      ctx.setPending('assignee', v);
      if (v === 'operator') write({ sessionOperator: true });
      else if (v === 'groups') write({});
      else if (v === '' && a) model.run(removeExtension(shape, bo, a));
      else ctx.rerender();
    },
  })];
  if (kind === 'user') {
    const login = a ? a.user : (z?.assignee && !z.assignee.startsWith('=') ? z.assignee : '');
    parts.push(selectField({ key: 'assignee.user', label: 'Person', value: login ?? '',
      options: [{ value: '', label: ctx.data.users ? 'Choose a person…' : 'Loading people…' },
        ...(ctx.data.users || []).filter((u) => u.login).map((u) => ({ value: u.login, label: personLabel(u) }))],
      onChange: (v) => write({ user: v || undefined }) }));
  }
  if (kind === 'variable') {
    const name = a ? a.userVariable : z?.assignee?.slice(1).trim();
    parts.push(variableSelect(ctx, 'assignee.variable', 'User variable', name, (v) => write({ userVariable: v || undefined }), (v) => v.type === 'user'));
  }
  if (kind === 'operator') parts.push(note('Whoever operates the session when the task is created; with no operator, the groups and administrators may take it.'));
  parts.push(groupPicker(ctx, groups, (list) => {
    if (!a && !list.length) return;
    setExtension(model, shape, bo, 'parley:Assignee', { ...(a ? {} : assigneeFromZeebe(z, kind)), group: list.join(',') || undefined });
  }));
  if (z) parts.push(note(`Zeebe's assignment: ${[z.assignee && `assignee ${z.assignee}`, z.candidateGroups && `groups ${z.candidateGroups}`].filter(Boolean).join(', ') || 'empty'}. Parley's settings here win over it.`));
  return parts;
}

function assigneeFromZeebe(z, kind) {
  if (!z?.assignee) return {};
  return kind === 'variable' ? { userVariable: z.assignee.slice(1).trim() } : { user: z.assignee };
}

// groupPicker is a group of checkboxes, one per group, plus any group the file names that does
// not exist (so it can be seen and unticked).
function groupPicker(ctx, chosen, onChange) {
  const names = (ctx.data.groups || []).map((g) => g.name);
  for (const g of chosen) if (!names.includes(g)) names.push(g);
  const id = uid('groups');
  const boxes = names.map((name) => {
    const box = h('input', { type: 'checkbox', id: uid('group'), checked: chosen.includes(name), dataset: { key: `group.${name}`, group: name } });
    box.addEventListener('change', () => onChange(names.filter((n) => n === name ? box.checked : chosen.includes(n))));
    const missing = ctx.data.groups && !ctx.data.groups.some((g) => g.name === name);
    return h('div', { class: 'pp-check' }, box, h('label', { for: box.id }, missing ? `${name} (does not exist)` : name));
  });
  return h('fieldset', { class: 'pp-groups', 'aria-describedby': `${id}-hint` }, h('legend', {}, 'Groups who may claim it'),
    boxes.length ? boxes : note(ctx.data.groups ? 'There are no groups yet.' : 'Loading groups…'),
    h('p', { class: 'pp-hint', id: `${id}-hint` }, 'Their members see the task and may complete it.'));
}

// form edits parley:form: one row per variable the person fills in.
function form(ctx) {
  const { model, shape, bo } = ctx;
  const f = extension(bo, 'parley:Form');
  const items = f ? f.get('fields') : [];
  return listEditor({
    key: 'fields', title: 'Form field', items, addText: '+ Form field', empty: 'The person only marks the task done.',
    onAdd: () => addListItem(model, shape, bo, 'parley:Form', 'fields', 'parley:Field', { variable: '' }),
    onRemove: (item) => removeListItem(model, shape, f, 'fields', item),
    onMove: (item, by) => moveListItem(model, shape, f, 'fields', item, by),
    row: (item, i) => [
      variableSelect(ctx, `fields.${i}.variable`, 'Variable', item.variable, (v) => {
        const label = item.label || ctx.vars().find((x) => x.name === v)?.title || undefined;
        model.set(shape, item, { variable: v, label });
      }),
      textField({ key: `fields.${i}.label`, label: 'Label', value: item.label ?? '', onChange: (v) => model.set(shape, item, { label: v || undefined }) }),
      checkField({ key: `fields.${i}.required`, label: 'Required', checked: item.required, onChange: (v) => model.set(shape, item, { required: v || undefined }) }),
    ],
  });
}

// due edits parley:due: the task is overdue this long after it is created.
function due(ctx) {
  const { model, shape, bo } = ctx;
  const d = extension(bo, 'parley:Due');
  const value = d?.duration ?? '';
  const preview = value ? durationText(value) : null;
  return [
    textField({ key: 'due.duration', label: 'Overdue after', value, placeholder: 'PT4H',
      hint: 'An ISO 8601 duration: PT30M is 30 minutes, PT4H four hours, P1D one day, P1W one week. Empty for no due time.',
      onChange: (v) => {
        v = v.trim();
        if (!v && d) model.run(removeExtension(shape, bo, d));
        else if (v) setExtension(model, shape, bo, 'parley:Due', { duration: v });
      } }),
    preview ? h('p', { class: preview.error ? 'pp-note pp-warn' : 'pp-preview', dataset: { preview: 'due' } },
      preview.error || `Overdue ${preview.text} after it is created.`) : null,
  ];
}

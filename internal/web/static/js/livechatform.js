// The live chat form, shared by "+Live Chat" and the Settings tab: name, description and the
// operator and supervisor groups, chosen from GET /api/v1/groups.

import { listAll } from './api.js';
import { h } from './dom.js';

let seq = 0;

// groupSelect builds a labelled multi-select of groups with selected ids chosen. formValues
// reads one value of a select, so values() below reads the whole selection.
function groupSelect(name, label, groups, selected, hint) {
  const id = `lc-${name}-${++seq}`;
  const chosen = new Set(selected || []);
  const size = Math.min(Math.max(groups.length, 3), 8);
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, name, multiple: true, size },
      groups.map((g) => h('option', { value: g.id, selected: chosen.has(g.id) }, g.name))),
    h('p', { class: 'hint' }, hint));
}

// liveChatFields returns the form's fields for lc (empty for a new live chat).
export async function liveChatFields(lc = {}) {
  const groups = (await listAll('/api/v1/groups')).sort((a, b) => a.name.localeCompare(b.name));
  return [
    { name: 'name', label: 'Name', required: true, autocomplete: 'off', value: lc.name || '' },
    { name: 'description', label: 'Description', type: 'textarea', rows: 2, value: lc.description || '' },
    groupSelect('operator_groups', 'Operator groups', groups, lc.operator_groups,
      'Members take and answer this live chat\'s sessions. Hold Ctrl or ⌘ to choose several.'),
    groupSelect('supervisor_groups', 'Supervisor groups', groups, lc.supervisor_groups,
      'Members see every session, assign operators and restore spam.'),
  ];
}

// liveChatValues is the body of POST or PATCH /api/v1/livechats from the form.
export function liveChatValues(v, form) {
  const ids = (name) => Array.from(form.elements[name].selectedOptions, (o) => o.value);
  return {
    name: v.name,
    description: v.description,
    operator_groups: ids('operator_groups'),
    supervisor_groups: ids('supervisor_groups'),
  };
}

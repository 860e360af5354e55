// The panel's controls. Each one is labelled, reachable with the keyboard, and commits its
// value when it is left or Enter is pressed (not on every keystroke), so that one edit is one
// step of the modeler's undo history. data-key names a control stably across re-renders: the
// panel is drawn again after every command, and puts the focus back on the same key.

import { h } from '../dom.js';

let seq = 0;

// uid makes an element id unique on the page for label/for and aria references.
export function uid(key) {
  seq += 1;
  return `pp-${String(key).replace(/[^A-Za-z0-9_-]/g, '-')}-${seq}`;
}

// committedValue remembers, per input, the value last committed (or drawn from the model).
const committedValue = new WeakMap();

// dirty reports whether the input holds typing not yet committed, which a drawing of the
// panel must carry over to the new control.
export function dirty(input) {
  return committedValue.has(input) && committedValue.get(input) !== input.value;
}

// committing calls onCommit(value) when the input is left or Enter is pressed, if the value
// changed since it was last committed.
function committing(input, initial, onCommit) {
  committedValue.set(input, initial);
  const commit = () => {
    if (input.value === committedValue.get(input)) return;
    committedValue.set(input, input.value);
    onCommit(input.value);
  };
  input.addEventListener('blur', commit);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.defaultPrevented && input.tagName !== 'TEXTAREA') {
      ev.preventDefault();
      commit();
    }
  });
}

function wrap(id, label, control, hint, extra) {
  const hintEl = hint ? h('p', { class: 'pp-hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'pp-field' }, h('label', { for: id }, label), control, extra, hintEl);
}

// textField is a labelled one-line text input.
export function textField({ key, label, value = '', hint, onChange, ...attrs }) {
  const id = uid(key);
  const input = h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs, dataset: { key } });
  input.value = value ?? '';
  committing(input, input.value, onChange);
  return wrap(id, label, input, hint);
}

// numberField is a labelled whole-number input.
export function numberField({ key, label, value = '', hint, onChange, min, max }) {
  const id = uid(key);
  const input = h('input', { id, type: 'number', inputmode: 'numeric', step: '1', min, max, dataset: { key } });
  input.value = value ?? '';
  committing(input, input.value, onChange);
  return wrap(id, label, input, hint);
}

// selectField is a labelled drop-down; options are {value, label} and take effect at once.
export function selectField({ key, label, value = '', options, hint, onChange }) {
  const id = uid(key);
  const select = h('select', { id, dataset: { key } },
    options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
  if (!options.some((o) => o.value === value) && value) {
    select.append(h('option', { value, selected: true }, value));
  }
  select.addEventListener('change', () => onChange(select.value));
  return wrap(id, label, select, hint);
}

// checkField is a labelled checkbox.
export function checkField({ key, label, checked, hint, onChange }) {
  const id = uid(key);
  const box = h('input', { id, type: 'checkbox', checked: !!checked, dataset: { key } });
  box.addEventListener('change', () => onChange(box.checked));
  const hintEl = hint ? h('p', { class: 'pp-hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) box.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'pp-field pp-check' }, box, h('label', { for: id }, label), hintEl);
}

// section groups controls under a heading.
export function section(title, ...children) {
  const id = uid('section');
  return h('section', { class: 'pp-section', 'aria-labelledby': id }, h('h3', { id }, title), ...children);
}

// button is a small panel button; label is what screen readers hear when text is a symbol.
export function button({ key, text, label, onClick, kind = '' }) {
  return h('button', { type: 'button', class: `btn btn-sm ${kind}`.trim(), 'aria-label': label || null, dataset: { key }, onclick: onClick }, text);
}

// note is a line of explanation; kind "warn" for what the engine will refuse.
export function note(text, kind = '') {
  return h('p', { class: `pp-note ${kind ? 'pp-' + kind : ''}`.trim(), role: kind === 'warn' ? 'note' : null }, text);
}

// exprField is a text input for an expression or a template, with completion of the declared
// variable names: an ARIA combobox whose list shows the names starting with the word at the
// caret. Arrow keys move through the list, Enter puts the name in, Escape closes the list.
export function exprField({ key, label, value = '', hint, names, onChange, placeholder }) {
  const id = uid(key);
  const listId = `${id}-list`;
  const input = h('input', {
    id, type: 'text', class: 'pp-expr', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': listId, autocomplete: 'off', spellcheck: 'false', placeholder, dataset: { key },
  });
  input.value = value ?? '';
  const list = h('ul', { id: listId, role: 'listbox', class: 'pp-options', 'aria-label': `Variables for ${label}` });
  list.hidden = true;
  let active = -1;
  let shown = [];

  const wordAt = () => {
    const pos = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, pos).match(/[A-Za-z_][A-Za-z0-9_]*$/);
    const after = input.value.slice(pos).match(/^[A-Za-z0-9_]*/);
    return { start: pos - (before ? before[0].length : 0), end: pos + after[0].length, text: before ? before[0] : '' };
  };
  const close = () => {
    list.hidden = true;
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  };
  const highlight = (i) => {
    active = i;
    Array.from(list.children).forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) input.setAttribute('aria-activedescendant', list.children[i].id);
    else input.removeAttribute('aria-activedescendant');
  };
  const pick = (name) => {
    const w = wordAt();
    input.value = input.value.slice(0, w.start) + name + input.value.slice(w.end);
    const caret = w.start + name.length;
    input.setSelectionRange(caret, caret);
    close();
  };
  const refresh = (all) => {
    const w = wordAt();
    const available = names();
    shown = available.filter((n) => (all || w.text) && n.startsWith(w.text) && n !== w.text);
    if (!shown.length) return close();
    list.replaceChildren(...shown.map((n, i) => h('li', {
      id: `${listId}-${i}`, role: 'option', 'aria-selected': 'false',
      onmousedown: (ev) => ev.preventDefault(), onclick: () => { pick(n); input.focus(); },
    }, n)));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(-1);
  };
  input.addEventListener('input', () => refresh(false));
  input.addEventListener('blur', close);
  input.addEventListener('keydown', (ev) => {
    const open = !list.hidden;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (!open) return refresh(true);
      const n = shown.length;
      highlight(ev.key === 'ArrowDown' ? (active + 1) % n : (active - 1 + n) % n);
    } else if (ev.key === 'Enter' && open && active >= 0) {
      ev.preventDefault();
      pick(shown[active]);
    } else if (ev.key === 'Escape' && open) {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    }
  });
  committing(input, input.value, onChange);
  return wrap(id, label, input, hint, list);
}

// listEditor draws rows with a remove button, up/down buttons when order matters, and an add
// button. rows are DOM nodes made by the caller; each gets its buttons appended.
export function listEditor({ key, title, items, row, onAdd, onRemove, onMove, addText, empty }) {
  const rows = items.map((item, i) => {
    const name = `${title} ${i + 1}`;
    const controls = h('div', { class: 'pp-row-actions' },
      onMove && i > 0 ? button({ key: `${key}.${i}.up`, text: '↑', label: `Move ${name} up`, onClick: () => onMove(item, -1) }) : null,
      onMove && i < items.length - 1 ? button({ key: `${key}.${i}.down`, text: '↓', label: `Move ${name} down`, onClick: () => onMove(item, +1) }) : null,
      button({ key: `${key}.${i}.remove`, text: '×', label: `Remove ${name}`, onClick: () => onRemove(item) }));
    return h('fieldset', { class: 'pp-row', dataset: { row: `${key}.${i}` } }, h('legend', {}, name), row(item, i), controls);
  });
  return h('div', { class: 'pp-list', dataset: { list: key } },
    rows.length ? rows : (empty ? note(empty) : null),
    button({ key: `${key}.add`, text: addText, onClick: onAdd }));
}

// personLabel names a user in a picker: "Olga Ivanova (olga)", or the login alone when the
// display name says nothing more.
export function personLabel(u) {
  return u.display_name && u.display_name !== u.login ? `${u.display_name} (${u.login})` : u.login;
}

// The canned responses picker of the reply box: "/" typed where a word starts opens a search
// box (an ARIA combobox) over the live chat's canned responses (a listbox). Arrow keys move,
// Enter inserts the text with its placeholders filled, Escape closes; the focus goes back to
// the reply box either way.

import { get } from './api.js';
import { $, h, replace } from './dom.js';

const box = $('[data-canned]');
const search = $('#canned-search');
const listbox = $('#canned-list');
const empty = $('[data-canned-empty]');
let items = [];
let shown = [];
let active = -1;
let target = null;
let context = null;
// swallow is the key whose character must not reach the reply box: the "/" that opened the
// picker, the Enter that chose; some input paths deliver it apart from its keydown.
let swallow = '';

// fill puts the session's values in place of the placeholders; an unknown value stays blank.
export function fill(text, values) {
  return text.replace(/\{(customer\.name|operator\.name|liveChat\.name)\}/g, (_, key) => values[key] || '');
}

// wireCanned arms the picker on the textarea; valuesOf returns the live chat's id and the
// placeholders' values when the picker opens.
export function wireCanned(textarea, valuesOf) {
  textarea.addEventListener('keydown', (ev) => {
    if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const before = textarea.value.slice(0, textarea.selectionStart);
    const values = valuesOf();
    if (!values || (before !== '' && !/\s$/.test(before))) return;
    ev.preventDefault();
    swallow = '/';
    target = textarea;
    open(values).catch(() => close());
  });
  const drop = (ev) => {
    const enter = ev.key === 'Enter' || ev.inputType === 'insertLineBreak';
    if ((swallow === '/' && (ev.key === '/' || ev.data === '/')) || (swallow === 'Enter' && enter)) ev.preventDefault();
    if (ev.type !== 'keypress') swallow = '';
  };
  textarea.addEventListener('keypress', drop);
  textarea.addEventListener('beforeinput', drop);
  textarea.addEventListener('keyup', () => { swallow = ''; });
  search.addEventListener('input', draw);
  search.addEventListener('keydown', onKey);
  search.addEventListener('blur', () => setTimeout(() => { if (!box.contains(document.activeElement)) hide(); }, 150));
  listbox.addEventListener('mousedown', (ev) => ev.preventDefault());
  listbox.addEventListener('click', (ev) => {
    const li = ev.target.closest('[role=option]');
    if (li) choose(Number(li.dataset.index));
  });
}

async function open(values) {
  context = values;
  items = (await get(`/api/v1/livechats/${encodeURIComponent(values.liveChatID)}/canned-responses`)).items || [];
  search.value = '';
  box.hidden = false;
  search.setAttribute('aria-expanded', 'true');
  draw();
  search.focus();
}

function draw() {
  const q = search.value.trim().toLowerCase();
  shown = items.filter((c) => !q || c.title.toLowerCase().includes(q) || c.text.toLowerCase().includes(q));
  active = shown.length ? 0 : -1;
  replace(listbox, shown.map((c, i) => h('li', { role: 'option', id: `canned-opt-${i}`, dataset: { index: String(i) }, 'aria-selected': 'false' },
    h('span', { class: 'strong' }, c.title), h('span', { class: 'muted small canned-preview' }, fill(c.text, context.values)))));
  empty.hidden = shown.length > 0;
  // An empty listbox is no listbox: it is hidden, and the note says why.
  listbox.hidden = !shown.length;
  mark();
}

function mark() {
  listbox.querySelectorAll('[role=option]').forEach((li, i) => li.setAttribute('aria-selected', String(i === active)));
  if (active >= 0) {
    search.setAttribute('aria-activedescendant', `canned-opt-${active}`);
    $(`#canned-opt-${active}`).scrollIntoView({ block: 'nearest' });
  } else search.removeAttribute('aria-activedescendant');
}

function onKey(ev) {
  if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
    ev.preventDefault();
    if (!shown.length) return;
    active = (active + (ev.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
    mark();
  } else if (ev.key === 'Enter') {
    ev.preventDefault();
    if (active >= 0) {
      swallow = 'Enter';
      choose(active);
    }
  } else if (ev.key === 'Escape') {
    ev.preventDefault();
    ev.stopPropagation();
    close();
  }
}

// choose inserts the response at the reply box's caret.
function choose(i) {
  const text = fill(shown[i].text, context.values);
  const t = target;
  close();
  const at = t.selectionStart;
  t.value = t.value.slice(0, at) + text + t.value.slice(t.selectionEnd);
  t.selectionStart = t.selectionEnd = at + text.length;
  t.dispatchEvent(new Event('input', { bubbles: true }));
}

function hide() {
  box.hidden = true;
  search.setAttribute('aria-expanded', 'false');
  search.removeAttribute('aria-activedescendant');
}

function close() {
  hide();
  if (target) target.focus();
}

// Small DOM helpers. Pages build elements with h(), which puts every string in a text node:
// names, messages and anything else a customer or user typed can never become HTML. Pages
// never assign innerHTML.

// h creates an element. props may hold: class, text, dataset (object), on<event> handlers,
// and any attribute (false or null leaves it out). Children are nodes or strings.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

// append flattens children to any depth, so a list of rows may hold lists of rows.
function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// replace empties el and fills it with children.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// replaceItems is replace for a list that live updates draw again, whose items carry the
// attribute key (say "data-instance") naming what each shows. Replacing the items takes the
// focus with them, to the page, and a keyboard or screen-reader user on an item's link would
// lose their place, their next Enter opening nothing. So when the focus was in an item, it
// goes to the same control of the same item in the new list (a note's second link stays its
// second), or to the first control of the item that took its place when that one left; when
// the list is now empty, to fallback, if given.
export function replaceItems(el, key, children, fallback) {
  const items = () => $$(`[${key}]`, el);
  const controls = (item) => $$('a[href], button:not([disabled]), input, select, textarea, [tabindex]', item);
  const focused = document.activeElement;
  const had = el.contains(focused) ? focused.closest(`[${key}]`) : null;
  const at = had && el.contains(had)
    ? { id: had.getAttribute(key), index: items().indexOf(had), control: controls(had).indexOf(focused) }
    : null;
  replace(el, children);
  if (!at) return el;
  const now = items();
  const same = now.find((i) => i.getAttribute(key) === at.id);
  const mine = same ? controls(same) : [];
  const target = mine[at.control] || mine[0] || controls(now[Math.min(at.index, now.length - 1)] || el)[0];
  if (target) target.focus();
  else fallback?.focus();
  return el;
}

// $ and $$ query the document (or a root).
export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// toast shows a short message in the corner; kind is "info", "success" or "error".
export function toast(message, kind = 'info') {
  const box = $('.toasts') || document.body.appendChild(h('div', { class: 'toasts', 'aria-live': 'polite' }));
  const note = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  box.append(note);
  setTimeout(() => note.remove(), kind === 'error' ? 8000 : 4000);
}

// announce has screen readers say message politely, when they are done with what they are
// saying: a new session in the queue, a new message. The live region is in the page from its
// start (layout.html), because screen readers watch only regions that were there when the page
// loaded; the text is set a moment later so that a repeat of the same words is spoken again.
export function announce(message) {
  const region = $('[data-announcer]');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => { region.textContent = message; }, 50);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// when formats an RFC 3339 time for people. The zero time (1970, what rows made by the first
// migration carry) means "unknown" and is shown as a dash.
export function when(iso) {
  const d = new Date(iso || 0);
  if (Number.isNaN(d.getTime())) return iso;
  return d.getTime() <= 0 ? '—' : dateTime.format(d);
}

// initial is the first letter of a name, for an avatar.
export function initial(name) {
  const c = String(name || '').trim().charAt(0);
  return c ? c.toUpperCase() : '?';
}

// presenceLabel names a presence for people.
export function presenceLabel(p) {
  return { online: 'Online', away: 'Away', offline: 'Offline' }[p] || p;
}

// presenceBadge draws a presence as a dot and its name.
export function presenceBadge(p) {
  return h('span', { class: 'presence-badge' }, h('span', { class: `dot dot-${p}`, 'aria-hidden': 'true' }), presenceLabel(p));
}

// busy disables a button while fn runs, so a double click cannot send a form twice.
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } finally {
    if (button) button.disabled = false;
  }
}

// linkPattern finds what looks like a link in chat text: web addresses and mail addresses
// with their scheme written out. Only these schemes are ever matched, so "javascript:" and
// "data:" text stays text.
const linkPattern = /\b(?:https?:\/\/|mailto:)[^\s<>"']+/gi;

// safeHref returns the address a link may point to, or null: it must parse, and its scheme
// must be http, https or mailto.
export function safeHref(raw) {
  try {
    const u = new URL(raw);
    return ['http:', 'https:', 'mailto:'].includes(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

// linkify turns chat text into text nodes and links, built element by element (never as
// HTML). Trailing punctuation such as the full stop after an address stays outside the link.
// Links open in a new tab and tell the site nothing of where they came from
// (noopener noreferrer), and search engines do not credit them (nofollow).
export function linkify(text) {
  const s = String(text ?? '');
  const out = [];
  let at = 0;
  for (const m of s.matchAll(linkPattern)) {
    const raw = m[0].replace(/[.,;:!?)\]]+$/, '');
    const href = safeHref(raw);
    if (!href) continue;
    if (m.index > at) out.push(s.slice(at, m.index));
    out.push(h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, raw));
    at = m.index + raw.length;
  }
  if (at < s.length) out.push(s.slice(at));
  return out;
}

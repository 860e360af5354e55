// The console's search results: the sessions the API finds for ?q=, each with where the
// words were found (the customer, a message or a private note) and the matching text. The
// text is shown as text, like every name and message on the console's pages.

import { get } from '../api.js';
import { $, announce, h, replace, toast } from '../dom.js';
import { stateBadge } from '../chat.js';

const q = new URLSearchParams(location.search).get('q') || '';
const where = { customer: 'Customer', message: 'Message', note: 'Private note' };

function row(hit) {
  const s = hit.session;
  const href = `/console/sessions/${encodeURIComponent(s.id)}`;
  return h('tr', { dataset: { session: s.id } },
    h('td', {}, h('a', { href, class: 'strong' }, s.customer.name || 'Customer'),
      h('div', { class: 'muted small' }, [s.live_chat_name, s.customer.email || s.customer.phone].filter(Boolean).join(' · '))),
    h('td', {}, h('div', { class: 'small strong' }, where[hit.match] || hit.match),
      h('div', { class: 'hit-snippet muted' }, hit.snippet)),
    h('td', {}, stateBadge(s.state)));
}

async function load() {
  if (!q.trim()) {
    $('[data-empty]').textContent = 'Type a word of a customer\'s name, email, phone or message.';
    $('[data-empty]').hidden = false;
    return;
  }
  document.title = `${q} · Search · Parley`;
  const res = await get(`/api/v1/search?q=${encodeURIComponent(q)}`);
  replace($('[data-results] tbody'), res.items.map(row));
  const summary = res.items.length === 1 ? '1 session found' : `${res.items.length} sessions found`;
  $('[data-caption]').textContent = `${summary} for “${q}”`;
  $('[data-empty]').hidden = res.items.length > 0;
  $('[data-empty]').textContent = `Nothing found for “${q}”.`;
  announce(`${summary}.`);
}

load().catch((err) => toast(`The search failed: ${err.message}`, 'error'));

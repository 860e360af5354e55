// What every page of the layout has: the presence switch in the top bar (and the presence
// choices on the account page), which set the caller's presence through the API.

import { put } from './api.js';
import { $, $$, presenceLabel, toast } from './dom.js';

// showPresence makes every presence control on the page show p.
function showPresence(p) {
  const badge = $('.presence[data-presence]');
  if (badge) badge.dataset.presence = p;
  $$('[data-presence-switch]').forEach((s) => { s.value = p; });
  $$('[data-presence-radio]').forEach((r) => { r.checked = r.value === p; });
}

function currentPresence() {
  return $('.presence[data-presence]')?.dataset.presence || $('[data-presence-radio]:checked')?.value;
}

// setPresence asks the server first and shows the new presence only once it is stored, so
// the switch never claims an operator is online when the server does not think so.
async function setPresence(p) {
  const before = currentPresence();
  $$('[data-presence-switch], [data-presence-radio]').forEach((c) => { c.disabled = true; });
  try {
    const user = await put('/api/v1/me/presence', { presence: p });
    showPresence(user.presence);
    toast(`You are ${presenceLabel(user.presence).toLowerCase()}.`, 'success');
  } catch (err) {
    showPresence(before);
    toast(`Your presence was not changed: ${err.message}`, 'error');
  } finally {
    $$('[data-presence-switch], [data-presence-radio]').forEach((c) => { c.disabled = false; });
  }
}

$$('[data-presence-switch]').forEach((s) => s.addEventListener('change', () => setPresence(s.value)));
$$('[data-presence-radio]').forEach((r) => r.addEventListener('change', () => { if (r.checked) setPresence(r.value); }));

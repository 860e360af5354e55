// What every page of the layout has: the presence buttons in the top bar (and the presence
// choices on the account page), which set the caller's presence through the API.
//
// The controls are never disabled while a change is being stored: disabling the control
// that has the focus throws the focus out of it, and a person using the keyboard would have
// to find their way back. One press of a presence button is one change; when several are
// pressed quickly, the last one pressed is what stays shown.

import { put } from './api.js';
import { $, $$, presenceLabel, toast } from './dom.js';

// showPresence makes every presence control on the page show p.
function showPresence(p) {
  const badge = $('.presence[data-presence]');
  if (badge) badge.dataset.presence = p;
  $$('[data-presence-set]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.presenceSet === p)));
  $$('[data-presence-radio]').forEach((r) => { r.checked = r.value === p; });
}

function currentPresence() {
  return $('.presence[data-presence]')?.dataset.presence || $('[data-presence-radio]:checked')?.value;
}

let latest = 0;
let stored = null;

// setPresence asks the server first and shows the new presence only once it is stored, so
// the switch never claims an operator is online when the server does not think so.
async function setPresence(p) {
  const mine = ++latest;
  stored = stored || currentPresence();
  try {
    const user = await put('/api/v1/me/presence', { presence: p });
    stored = user.presence;
    if (mine !== latest) return;
    showPresence(user.presence);
    toast(`You are ${presenceLabel(user.presence).toLowerCase()}.`, 'success');
  } catch (err) {
    if (mine !== latest) return;
    showPresence(stored);
    toast(`Your presence was not changed: ${err.message}`, 'error');
  }
}

$$('[data-presence-set]').forEach((b) => b.addEventListener('click', () => setPresence(b.dataset.presenceSet)));
$$('[data-presence-radio]').forEach((r) => r.addEventListener('change', () => { if (r.checked) setPresence(r.value); }));

// The skip link moves the focus to the main content, not only the view, so that the next Tab
// starts there (main has tabindex="-1" for that).
$('.skip-link')?.addEventListener('click', (ev) => {
  const main = $('#main');
  if (!main) return;
  ev.preventDefault();
  main.focus();
  main.scrollIntoView();
});

// Transfer: hand a session to another operator (of this live chat or another) or to another
// live chat's queue, with a note for whoever takes it over. One list holds every target, so
// the choice is one control: operators with their presence and live chat, then the queues.

import { get, listAll, post } from './api.js';
import { formDialog } from './dialog.js';

// targets lists where the session may go: the operators of each live chat the caller can
// list (but the session's own operator), and the queue of every other live chat.
async function targets(session) {
  const chats = await listAll('/api/v1/livechats');
  const groups = new Map();
  const group = (g) => {
    if (!groups.has(g)) groups.set(g, get(`/api/v1/groups/${encodeURIComponent(g)}`).catch(() => null));
    return groups.get(g);
  };
  const users = await listAll('/api/v1/users').catch(() => []);
  const byID = new Map(users.map((u) => [u.id, u]));
  const people = [];
  for (const lc of chats) {
    const members = (await Promise.all((lc.operator_groups || []).map(group))).filter(Boolean).flatMap((g) => g.members || []);
    for (const id of new Set(members)) {
      if (lc.id === session.live_chat_id && id === session.operator_id) continue;
      const u = byID.get(id);
      if (!u) continue;
      people.push({ value: `user:${id}:${lc.id}`, label: `${u.display_name || u.login} (${u.presence}) · ${lc.name}` });
    }
  }
  people.sort((a, b) => a.label.localeCompare(b.label));
  const queues = chats.filter((lc) => lc.id !== session.live_chat_id)
    .map((lc) => ({ value: `queue:${lc.id}`, label: `Queue of ${lc.name}` }));
  return [...people, ...queues];
}

// request turns the chosen target into the API's body.
function request(session, target, note) {
  const [kind, a, b] = target.split(':');
  if (kind === 'queue') return { to_livechat: a, note };
  return b === session.live_chat_id ? { to_user: a, note } : { to_user: a, to_livechat: b, note };
}

// transfer opens the transfer dialog and resolves with the session as the API answers it, or
// null when cancelled.
export async function transfer(session, returnFocus) {
  const options = await targets(session);
  return formDialog({
    title: 'Transfer the session',
    intro: 'Hand the conversation to a colleague or to another live chat. The note is kept as a private note on the session: the customer never sees it.',
    fields: [
      { name: 'target', label: 'Transfer to', type: 'select', required: true,
        options: [{ value: '', label: '— choose —' }, ...options] },
      { name: 'note', label: 'Note for the new operator', type: 'textarea', rows: 3 },
    ],
    submitLabel: 'Transfer',
    returnFocus,
    submit: (v) => post(`/api/v1/sessions/${encodeURIComponent(session.id)}/transfer`, request(session, v.target || '', v.note)),
  });
}

// Transfer: hand a session to another operator (of this live chat or another) or to another
// live chat's queue, with a note for whoever takes it over. One list holds every target, so
// the choice is one control: operators with their presence and live chat, then the queues.
// The targets come from the API, which lists every live chat for whoever may transfer: an
// operator hands customers to departments they are not a member of.

import { listAll, post } from './api.js';
import { formDialog } from './dialog.js';

// targets lists where the session may go: the operators of each live chat (but the session's
// own operator), and the queue of every other live chat.
async function targets(session) {
  const chats = await listAll(`/api/v1/sessions/${encodeURIComponent(session.id)}/transfer-targets`);
  const people = chats.flatMap((lc) => lc.operators
    .filter((u) => !(lc.live_chat_id === session.live_chat_id && u.id === session.operator_id))
    .map((u) => ({ value: `user:${u.id}:${lc.live_chat_id}`, label: `${u.display_name} (${u.presence}) · ${lc.live_chat_name}` })));
  people.sort((a, b) => a.label.localeCompare(b.label));
  const queues = chats.filter((lc) => lc.live_chat_id !== session.live_chat_id)
    .map((lc) => ({ value: `queue:${lc.live_chat_id}`, label: `Queue of ${lc.live_chat_name}` }));
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

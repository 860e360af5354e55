// A WebSocket that reconnects by itself and resumes where it stopped. Each message the server
// sends carries a cursor; after a drop the socket reconnects with ?cursor=<last seen>, so the
// server replays what was missed and a console never silently loses a customer's message.
// Reconnects back off exponentially with jitter, so a restarting server is not stormed.

// connect opens path (an absolute path on this server) and keeps it open until close().
// Options:
//   onMessage(msg)   each decoded JSON message, in order
//   onStatus(state)  "connecting", "open" or "closed" (waiting to reconnect)
//   cursor           where to start; empty for "from now"
//   cursorOf(msg)    the cursor a message carries; default msg.cursor
//   cursorParam      the query parameter that carries the cursor; default "cursor"
//   minDelay, maxDelay  bounds of the reconnect back-off, in milliseconds
export function connect(path, opts = {}) {
  const o = {
    onMessage: () => {}, onStatus: () => {}, cursor: '', cursorOf: (m) => m && m.cursor,
    cursorParam: 'cursor', minDelay: 500, maxDelay: 15000, ...opts,
  };
  let cursor = o.cursor;
  let socket = null;
  let timer = null;
  let attempt = 0;
  let stopped = false;

  function url() {
    const u = new URL(path, location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (cursor) u.searchParams.set(o.cursorParam, cursor);
    return u.toString();
  }

  function open() {
    if (stopped) return;
    o.onStatus('connecting');
    socket = new WebSocket(url());
    socket.addEventListener('open', () => o.onStatus('open'));
    socket.addEventListener('message', (ev) => receive(ev.data));
    socket.addEventListener('close', retry);
  }

  function receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return; // Not ours to interpret; the server only sends JSON.
    }
    // A message proves the connection works, so the next drop starts the back-off afresh.
    attempt = 0;
    const c = o.cursorOf(msg);
    if (c !== undefined && c !== null && c !== '') cursor = String(c);
    o.onMessage(msg);
  }

  function retry() {
    socket = null;
    if (stopped) return;
    o.onStatus('closed');
    const base = Math.min(o.maxDelay, o.minDelay * 2 ** attempt);
    attempt++;
    timer = setTimeout(open, base / 2 + Math.random() * (base / 2));
  }

  // Coming back online or to the tab reconnects at once rather than after the back-off.
  function nudge() {
    if (stopped || socket || document.visibilityState === 'hidden') return;
    clearTimeout(timer);
    open();
  }
  window.addEventListener('online', nudge);
  document.addEventListener('visibilitychange', nudge);

  open();
  return {
    get cursor() { return cursor; },
    send(msg) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('online', nudge);
      document.removeEventListener('visibilitychange', nudge);
      if (socket) socket.close(1000);
      o.onStatus('closed');
    },
  };
}

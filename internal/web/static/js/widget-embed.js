// Parley's website widget. A company adds one line to its pages:
//   <script src="https://parley.example.com/widget.js" data-livechat="<live chat id>"></script>
// and gets a chat button in the corner. The chat itself is a Parley page in an iframe, so it
// talks to Parley from Parley's own origin: the host page's scripts and styles cannot read
// the conversation, and the API's cross-origin protection stays intact. Styles are set on the
// elements directly so that nothing here depends on, or leaks into, the host's stylesheets.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.dataset.livechat || window.__parleyWidget) return;
  window.__parleyWidget = true;
  var origin = new URL(script.src, location.href).origin;
  var chatURL = origin + '/widget/' + encodeURIComponent(script.dataset.livechat);

  function style(el, css) {
    Object.keys(css).forEach(function (k) { el.style[k] = css[k]; });
    return el;
  }

  var button = style(document.createElement('button'), {
    position: 'fixed', right: '20px', bottom: '20px', zIndex: '2147483000', height: '52px', padding: '0 20px',
    border: '0', borderRadius: '26px', background: '#4f46e5', color: '#fff', font: '600 15px system-ui, sans-serif',
    boxShadow: '0 8px 24px rgba(16,24,40,.25)', cursor: 'pointer',
  });
  button.type = 'button';
  button.setAttribute('data-parley-button', '');
  button.setAttribute('aria-expanded', 'false');
  button.textContent = 'Chat with us';

  // The chat is a non-modal dialog: opening it moves the focus into it, Escape or its close
  // button closes it, and closing gives the focus back to the chat button, so a keyboard
  // user is never left on a hidden frame.
  var box = null;
  var frame = null;
  var loaded = false;
  function focusChat() {
    frame.focus();
    frame.contentWindow.postMessage('parley:focus', origin);
  }
  function open() {
    if (!box) {
      box = style(document.createElement('div'), {
        position: 'fixed', right: '20px', bottom: '84px', zIndex: '2147483000', width: '370px', height: '560px',
        maxWidth: 'calc(100vw - 40px)', maxHeight: 'calc(100vh - 110px)', borderRadius: '14px', overflow: 'hidden',
        boxShadow: '0 12px 40px rgba(16,24,40,.3)', background: '#fff',
      });
      box.id = 'parley-chat';
      box.setAttribute('role', 'dialog');
      box.setAttribute('aria-label', 'Chat with us');
      frame = style(document.createElement('iframe'), { width: '100%', height: '100%', border: '0', display: 'block' });
      frame.title = 'Chat';
      frame.setAttribute('data-parley-frame', '');
      frame.addEventListener('load', function () {
        loaded = true;
        if (isOpen()) focusChat();
      });
      frame.src = chatURL;
      box.appendChild(frame);
      document.body.appendChild(box);
      button.setAttribute('aria-controls', box.id);
    }
    box.style.display = 'block';
    button.setAttribute('aria-expanded', 'true');
    button.textContent = 'Close chat';
    if (loaded) focusChat();
  }
  function isOpen() { return button.getAttribute('aria-expanded') === 'true'; }
  function close() {
    if (box) box.style.display = 'none';
    button.setAttribute('aria-expanded', 'false');
    button.textContent = 'Chat with us';
    button.focus();
  }
  button.addEventListener('click', function () {
    if (isOpen()) close(); else open();
  });
  // The chat page asks to be closed by its own close button and by Escape.
  window.addEventListener('message', function (ev) {
    if (ev.origin === origin && ev.data === 'parley:minimize' && isOpen()) close();
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape' && isOpen() && document.activeElement === button) close();
  });
  function mount() { document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();

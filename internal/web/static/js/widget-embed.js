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

  var frame = null;
  function open() {
    if (!frame) {
      frame = style(document.createElement('iframe'), {
        position: 'fixed', right: '20px', bottom: '84px', zIndex: '2147483000', width: '370px', height: '560px',
        maxWidth: 'calc(100vw - 40px)', maxHeight: 'calc(100vh - 110px)', border: '0', borderRadius: '14px',
        boxShadow: '0 12px 40px rgba(16,24,40,.3)', background: '#fff',
      });
      frame.title = 'Chat';
      frame.setAttribute('data-parley-frame', '');
      frame.src = chatURL;
      document.body.appendChild(frame);
    }
    frame.style.display = 'block';
    button.setAttribute('aria-expanded', 'true');
    button.textContent = 'Close chat';
  }
  function close() {
    if (frame) frame.style.display = 'none';
    button.setAttribute('aria-expanded', 'false');
    button.textContent = 'Chat with us';
  }
  button.addEventListener('click', function () {
    if (button.getAttribute('aria-expanded') === 'true') close(); else open();
  });
  // The chat page asks to be minimized by its own close button.
  window.addEventListener('message', function (ev) {
    if (ev.origin === origin && ev.data === 'parley:minimize') close();
  });
  function mount() { document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();

// Typing indicators, both ways. A page tells the other side that its user is typing at most
// once every two seconds (the server passes no more than that on either), and shows the
// other side's typing in a polite live region: the words are set once when typing starts and
// cleared when it stops, so a screen reader hears "… is typing" once, not every keystroke.

// every is how often a typing word is sent while the user keeps typing; quiet is how long
// after the last word the other side is taken to have stopped.
const every = 2000;
const quiet = 5000;

// typingSender returns a function to call on each input event: it calls send() at most once
// every two seconds, and not for an emptied box.
export function typingSender(send) {
  let last = 0;
  return (ev) => {
    if (ev && ev.target && !String(ev.target.value || '').trim()) return;
    const now = Date.now();
    if (now - last < every) return;
    last = now;
    send();
  };
}

// typingShower returns { typing(), stopped() } for a live region el: typing() shows text (a
// function of nothing, read when shown) and hides it again after a quiet spell; stopped() hides
// it at once, for when the other side's message arrives.
export function typingShower(el, text) {
  let timer = 0;
  const stopped = () => {
    clearTimeout(timer);
    timer = 0;
    el.textContent = '';
    el.hidden = true;
  };
  const typing = () => {
    clearTimeout(timer);
    if (el.hidden || !el.textContent) {
      el.hidden = false;
      el.textContent = text();
    }
    timer = setTimeout(stopped, quiet);
  };
  stopped();
  return { typing, stopped };
}

// Tabs and menus as the WAI-ARIA authoring practices describe them, for markup the pages
// already have: a role="tablist" of role="tab" buttons, and a <details> whose <summary>
// opens a role="menu" of role="menuitem" buttons.

const arrows = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

// wireTabs makes the tablist list keyboard-operable: only the selected tab is in the Tab
// order, arrow keys move to the previous or next tab (wrapping), Home and End to the first
// and last, and moving selects the tab, as select(tab) does for a click. The page keeps
// setting aria-selected itself; the tab order follows it.
export function wireTabs(list, select) {
  const tabs = () => Array.from(list.querySelectorAll('[role="tab"]')).filter((t) => !t.hidden);
  const sync = () => {
    const all = tabs();
    const chosen = all.find((t) => t.getAttribute('aria-selected') === 'true') || all[0];
    all.forEach((t) => { t.tabIndex = t === chosen ? 0 : -1; });
  };
  list.addEventListener('keydown', (ev) => {
    const all = tabs();
    const i = all.indexOf(document.activeElement);
    if (i < 0 || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    let j = i + (arrows[ev.key] || 0);
    if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = all.length - 1;
    else if (!arrows[ev.key]) return;
    ev.preventDefault();
    const next = all[(j + all.length) % all.length];
    next.focus();
    select(next);
  });
  new MutationObserver(sync).observe(list, { subtree: true, attributes: true, attributeFilter: ['aria-selected', 'hidden'] });
  sync();
}

// wireMenu makes the <details> menu keyboard-operable: opening it moves the focus to its
// first enabled item, the arrow keys, Home and End move between items, Escape closes it and
// returns the focus to its button, and Tab closes it as the focus leaves.
export function wireMenu(details) {
  const button = details.querySelector('summary');
  const items = () => Array.from(details.querySelectorAll('[role="menuitem"]')).filter((i) => !i.disabled && !i.hidden);
  button.setAttribute('aria-haspopup', 'menu');
  details.addEventListener('toggle', () => {
    if (details.open) items()[0]?.focus();
  });
  details.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && details.open) {
      ev.preventDefault();
      details.open = false;
      button.focus();
      return;
    }
    const all = items();
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    let j = i + (arrows[ev.key] || 0);
    if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = all.length - 1;
    else if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    ev.preventDefault();
    all[(j + all.length) % all.length].focus();
  });
  details.addEventListener('focusout', (ev) => {
    if (details.open && !details.contains(ev.relatedTarget)) details.open = false;
  });
}

// The operator's alerts: a sound and a desktop notification when new customer messages arrive
// while they look elsewhere. Both are off until the operator turns them on.
//
// The choice is kept in this browser (localStorage), not on the account: whether a sound or a
// desktop notification is welcome depends on the device (a shared office speaker, a phone in a
// pocket), and the browser's own notification permission, which the desktop alert needs, is
// given per browser too, so a per-account setting could not be honoured on a device that
// never granted it.

import { $, toast } from './dom.js';

const key = 'parley.alerts';

// settings reads the stored choice: { sound, desktop }, both false by default.
export function settings() {
  try {
    const s = JSON.parse(localStorage.getItem(key)) || {};
    return { sound: !!s.sound, desktop: !!s.desktop && 'Notification' in window && Notification.permission === 'granted' };
  } catch {
    return { sound: false, desktop: false };
  }
}

function save(s) {
  localStorage.setItem(key, JSON.stringify(s));
}

let audio = null;

// beep plays a short, soft tone, made on the spot: no sound file to load.
function beep() {
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  } catch {
    // A browser without Web Audio stays silent; the title's count still tells.
  }
}

// alert tells the operator of something new, in the ways they chose; the desktop notification
// only when the page is not in view, since the page shows it otherwise.
export function alert(title, body, href) {
  const s = settings();
  if (s.sound) beep();
  if (s.desktop && document.visibilityState !== 'visible') {
    const n = new Notification(title, { body, tag: 'parley-unread' });
    n.onclick = () => { window.focus(); if (href) location.assign(href); };
  }
}

// wireAlerts connects the two checkboxes of the console's Alerts group: sound, and desktop
// notifications, which first ask the browser's permission.
export function wireAlerts(root) {
  const sound = $('[data-alert="sound"]', root);
  const desktop = $('[data-alert="desktop"]', root);
  if (!sound || !desktop) return;
  const s = settings();
  sound.checked = s.sound;
  desktop.checked = s.desktop;
  if (!('Notification' in window)) {
    desktop.disabled = true;
    desktop.closest('label').title = 'This browser has no desktop notifications';
  }
  sound.addEventListener('change', () => {
    save({ ...settings(), sound: sound.checked });
    if (sound.checked) beep();
  });
  desktop.addEventListener('change', async () => {
    if (desktop.checked && Notification.permission !== 'granted') {
      const answer = await Notification.requestPermission().catch(() => 'denied');
      if (answer !== 'granted') {
        desktop.checked = false;
        toast('The browser did not allow notifications; you can allow them in its site settings.', 'error');
      }
    }
    save({ ...settings(), desktop: desktop.checked });
  });
}

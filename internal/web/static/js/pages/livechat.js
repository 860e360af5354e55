// The page of one live chat: the Settings, Channels, Distribution, Working hours, Business
// Processes and Automation log tabs. The tab shown is kept in the address (#channels…) so a
// reload or a shared link opens it.

import { del, get, listAll, patch, post } from '../api.js';
import { $, $$, h, replace, toast, when } from '../dom.js';
import { confirmDialog, field, formDialog, openDialog } from '../dialog.js';
import { liveChatFields, liveChatValues } from '../livechatform.js';
import { loadAutomation, loadLog, setupLog } from '../automation.js';
import { loadHours, loadRouting } from '../routing.js';
import { wireTabs } from '../tabs.js';

const root = $('[data-livechat]');
const id = root.dataset.livechat;
const base = `/api/v1/livechats/${encodeURIComponent(id)}`;
const loaders = { settings: loadSettings, channels: loadChannels, routing: () => loadRouting(id), hours: () => loadHours(id),
  automation: () => loadAutomation(id), log: () => loadLog(id) };
let chat = null;

function showTab(name) {
  if (!loaders[name]) name = 'settings';
  for (const b of $$('[data-tab-button]')) b.setAttribute('aria-selected', String(b.dataset.tabButton === name));
  for (const p of $$('[data-panel]')) p.hidden = p.dataset.panel !== name;
  history.replaceState(null, '', name === 'log' ? `/admin/livechats/${encodeURIComponent(id)}/log` :
    `/admin/livechats/${encodeURIComponent(id)}#${name}`);
  loaders[name]().catch((err) => toast(err.message, 'error'));
}

function drawHead() {
  document.title = `${chat.name} · Parley`;
  $('[data-title]').textContent = chat.name;
  $('[data-crumb]').textContent = chat.name;
  $('[data-description]').textContent = chat.description || '';
}

// Settings

async function loadSettings() {
  const names = new Map((await listAll('/api/v1/groups')).map((g) => [g.id, g.name]));
  const groups = (ids) => (ids || []).map((g) => names.get(g) || g).join(', ') || '—';
  const props = h('dl', { class: 'props' },
    h('dt', {}, 'Name'), h('dd', {}, chat.name),
    h('dt', {}, 'Description'), h('dd', {}, chat.description || '—'),
    h('dt', {}, 'Operators'), h('dd', {}, groups(chat.operator_groups)),
    h('dt', {}, 'Supervisors'), h('dd', {}, groups(chat.supervisor_groups)),
    h('dt', {}, 'Created'), h('dd', {}, when(chat.created_at)));
  replace($('[data-settings]'), props, h('div', { class: 'form-actions' },
    h('button', { type: 'button', class: 'btn btn-primary', dataset: { action: 'edit' }, onclick: edit }, 'Edit'),
    h('button', { type: 'button', class: 'btn btn-danger-ghost', dataset: { action: 'delete' }, onclick: remove }, 'Delete live chat')));
}

async function edit() {
  const lc = await formDialog({
    title: `Edit ${chat.name}`,
    fields: await liveChatFields(chat),
    submit: (v, form) => patch(base, liveChatValues(v, form)),
  });
  if (!lc) return;
  chat = lc;
  drawHead();
  await loadSettings();
  toast('Live chat saved.', 'success');
}

async function remove() {
  const yes = await confirmDialog({
    title: 'Delete live chat',
    message: `Delete ${chat.name}? Only a live chat without sessions can be deleted.`,
    confirmLabel: 'Delete', danger: true,
  });
  if (!yes) return;
  try {
    await del(base);
    location.assign('/admin/livechats');
  } catch (err) {
    toast(err.message, 'error');
  }
}

// Channels

const channelTypes = { widget: 'Website widget', email: 'Email', http: 'HTTP channel', telegram: 'Telegram bot' };

async function loadChannels() {
  const list = await get(`${base}/channels`);
  replace($('[data-channels] tbody'), list.items.map(channelRow));
}

function channelRow(ch) {
  let details = '';
  if (ch.type === 'widget') details = h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'embed' }, onclick: () => showEmbed(ch) }, 'Embed code');
  if (ch.type === 'email') details = h('code', {}, ch.address || '');
  if (ch.type === 'http') details = ch.webhook_url ? h('span', {}, 'Webhook ', h('code', {}, ch.webhook_url)) : h('span', { class: 'muted' }, 'No webhook');
  if (ch.type === 'telegram') details = botDetails(ch.bot);
  return h('tr', { dataset: { channel: ch.name } },
    h('td', { class: 'strong' }, ch.name),
    h('td', {}, channelTypes[ch.type] || ch.type),
    h('td', {}, details),
    h('td', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost', onclick: () => retire(ch) }, 'Retire')));
}

// botModes says how a telegram channel's bot gets its updates.
const botModes = { webhook: 'webhook', polling: 'long polling', '': 'starting' };

// botDetails shows a telegram channel's bot: its @username, its masked token (the API never
// returns the whole one), how it gets updates, and the last problem talking to Telegram.
function botDetails(bot) {
  if (!bot) return '';
  return h('span', { dataset: { bot: bot.username } },
    h('code', {}, '@' + bot.username), ' · ', h('code', { title: 'Bot token (masked)' }, bot.token),
    ' · ', h('span', { class: 'muted' }, botModes[bot.mode] ?? bot.mode),
    bot.error ? h('div', { class: 'error', dataset: { botError: '' } }, bot.error) : '');
}

// embedSnippet is the tag a website adds to show the widget of this live chat.
function embedSnippet() {
  return `<script src="${location.origin}/widget.js" data-livechat="${id}" async></script>`;
}

function showEmbed() {
  openDialog({
    title: 'Embed the widget',
    body: [h('p', { class: 'muted' }, 'Paste this tag before </body> on every page of the website where customers should be able to write.'),
      h('pre', { class: 'snippet', dataset: { snippet: '' } }, embedSnippet())],
    wide: true,
  });
}

// channelFields builds the channel form; the address and webhook fields show only for the
// type that uses them.
function channelFields() {
  const type = field({ name: 'type', label: 'Type', type: 'select', required: true, value: 'widget',
    options: Object.entries(channelTypes).map(([value, label]) => ({ value, label })) });
  const address = field({ name: 'address', label: 'Email address', type: 'email', required: true, hint: 'The address customers write to.' });
  const webhook = field({ name: 'webhook_url', label: 'Webhook URL', type: 'url', hint: 'Where operator replies are delivered; the API key is shown once the channel exists.' });
  const token = field({ name: 'bot_token', label: 'Bot token', type: 'password', required: true, autocomplete: 'off',
    hint: 'The token @BotFather gave the bot. Parley checks it with Telegram and never shows it whole again.' });
  const toggle = () => {
    const t = type.querySelector('select').value;
    address.hidden = t !== 'email';
    webhook.hidden = t !== 'http';
    token.hidden = t !== 'telegram';
  };
  type.querySelector('select').addEventListener('change', toggle);
  toggle();
  return [type, field({ name: 'name', label: 'Name', required: true, autocomplete: 'off' }), address, webhook, token];
}

async function newChannel() {
  const ch = await formDialog({
    title: 'New channel',
    submitLabel: 'Create channel',
    fields: channelFields(),
    submit: (v) => post(`${base}/channels`, channelBody(v)),
  });
  if (!ch) return;
  await loadChannels();
  if (ch.api_key) showKey(ch);
  else if (ch.type === 'widget') showEmbed();
  else toast(`Channel ${ch.name} created.`, 'success');
}

function channelBody(v) {
  const body = { type: v.type, name: v.name };
  if (v.type === 'email') body.address = v.address;
  if (v.type === 'http' && v.webhook_url) body.webhook_url = v.webhook_url;
  if (v.type === 'telegram') body.bot_token = v.bot_token;
  return body;
}

// showKey shows an http channel's API key: the API returns it once and stores only a hash.
function showKey(ch) {
  openDialog({
    title: `API key of ${ch.name}`,
    body: [h('p', {}, 'Copy the key now: it is shown only once. The messenger sends it as "Authorization: Bearer <key>" to:'),
      h('pre', { class: 'snippet' }, `POST ${location.origin}/api/v1/channels/${ch.id}/inbound`),
      h('pre', { class: 'snippet', dataset: { apiKey: '' } }, ch.api_key)],
    wide: true,
  });
}

async function retire(ch) {
  const yes = await confirmDialog({
    title: 'Retire channel',
    message: `Retire ${ch.name}? It takes no more messages; its sessions stay.`,
    confirmLabel: 'Retire', danger: true,
  });
  if (!yes) return;
  try {
    await del(`${base}/channels/${encodeURIComponent(ch.id)}`);
    await loadChannels();
  } catch (err) {
    toast(err.message, 'error');
  }
}

async function start() {
  try {
    chat = await get(base);
  } catch (err) {
    replace(root, h('p', { class: 'empty' }, err.status === 404 ? 'There is no such live chat.' : err.message));
    return;
  }
  drawHead();
  for (const b of $$('[data-tab-button]')) b.addEventListener('click', () => showTab(b.dataset.tabButton));
  wireTabs($('[role="tablist"]'), (b) => showTab(b.dataset.tabButton));
  $('[data-action="new-channel"]').addEventListener('click', () => newChannel().catch((err) => toast(err.message, 'error')));
  setupLog(id);
  showTab(location.hash.slice(1) || root.dataset.tab);
}

start();

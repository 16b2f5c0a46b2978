// The sandbox's web chat: a Telegram-like chat with the bot, acting as a
// simulated user through the same-origin control API (sandbox/README.md).
//
// Layout of this file: helpers → API client → state → rendering (users,
// messages, Telegram HTML, keyboards, status, developer panel) → actions →
// live updates → wiring. No framework: the chat view is re-rendered from the
// sandbox's snapshot, and message nodes are reused when a message is unchanged.

// ---------------------------------------------------------------- helpers

import { lang, t, translatePage } from './i18n.js';

const $ = (selector) => document.querySelector(selector);

/** Creates an element; `props` are properties (class via `className`) or `data-*`/`aria-*` attributes. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role') el.setAttribute(key, value);
    else el[key] = value;
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child); // strings become text nodes: never parsed as HTML
  }
  return el;
}

function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS('http://www.w3.org/2000/svg', 'use');
  use.setAttribute('href', `#${name}`);
  svg.append(use);
  return svg;
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

function formatSize(bytes) {
  if (bytes == null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const timeFormat = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric' });

/** Only these link schemes may become clickable; anything else (javascript:, data:, …) stays text. */
function safeUrl(href) {
  if (typeof href !== 'string') return null;
  try {
    const url = new URL(href.trim());
    return ['http:', 'https:', 'tg:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

// Telegram's avatar palette, picked by id like Telegram does.
const AVATAR_COLORS = ['#e17076', '#faa774', '#a695e7', '#7bc862', '#6ec9cb', '#65aadd', '#ee7aae'];

function userName(user) {
  return [user.first_name, user.last_name].filter(Boolean).join(' ') || t('User {id}', { id: user.id });
}

function avatar(user) {
  const initials = [user.first_name, user.last_name].filter(Boolean).map((s) => [...s][0]).join('') || '?';
  const el = h('span', { className: 'avatar', 'aria-hidden': 'true' }, initials.toUpperCase());
  el.style.background = AVATAR_COLORS[Math.abs(Number(user.id) || 0) % AVATAR_COLORS.length];
  return el;
}

// ---------------------------------------------------------------- API client

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** One control API call. Throws ApiError with the sandbox's description on a non-2xx answer. */
async function request(method, path, { json, form, signal, timeoutMs = 15000 } = {}) {
  // Our own timeout as well as the caller's signal: a hung connection must not stall the poll loop.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const init = { method, signal: controller.signal, headers: {} };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form; // the browser sets the multipart boundary
  }
  try {
    const res = await fetch(path, init);
    const type = res.headers.get('Content-Type') || '';
    const body = type.includes('json') ? await res.json().catch(() => null) : await res.text();
    if (!res.ok) throw new ApiError(res.status, describeError(body) || `${res.status} ${res.statusText}`);
    return body;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function describeError(body) {
  if (!body) return '';
  if (typeof body === 'string') return body.slice(0, 300);
  return body.description || body.error || body.message || JSON.stringify(body).slice(0, 300);
}

/** Lists may come bare or wrapped (`{"users": [...]}`); accept both. */
const asList = (value, key) => (Array.isArray(value) ? value : Array.isArray(value?.[key]) ? value[key] : []);

// A user is on Telegram or on Max (the messenger chosen per user); Max users
// live under /control/max with ids of their own, so an id names one user.
const isMax = (id) => state.users.find((u) => String(u.id) === String(id))?.messenger === 'max';
const sidePath = (id) => (isMax(id) ? '/control/max' : '/control');
const userPath = (id) => `${sidePath(id)}/users/${encodeURIComponent(id)}`;
const tagged = (users, messenger) => users.map((u) => ({ ...u, messenger }));

const api = {
  users: async () => [
    ...tagged(asList(await request('GET', '/control/users'), 'users'), 'telegram'),
    ...tagged(asList(await request('GET', '/control/max/users'), 'users'), 'max'),
  ],
  createUser: async (user) => {
    const { messenger, ...body } = user;
    const max = messenger === 'max';
    const created = await request('POST', max ? '/control/max/users' : '/control/users', { json: body });
    return created && { ...created, messenger: max ? 'max' : 'telegram' };
  },
  chat: (id, since, signal) => {
    const query = since == null ? '' : `?since=${since}&timeout_ms=25000`;
    return request('GET', `${userPath(id)}/chat${query}`, { signal, timeoutMs: 35000 });
  },
  sendText: (id, text) => request('POST', `${userPath(id)}/text`, { json: { text } }),
  press: (id, messageId, data) => request('POST', `${userPath(id)}/press`, { json: { message_id: messageId, data } }),
  callback: (queryId) => request('GET', `${sidePath(state.userId)}/callbacks/${encodeURIComponent(queryId)}`),
  shareContact: (id) => request('POST', `${userPath(id)}/contact`, { json: {} }),
  sendFile: (id, file, as, caption) => {
    const form = new FormData();
    form.append('file', file, file.name);
    form.append('as', as);
    if (caption) form.append('caption', caption);
    return request('POST', `${userPath(id)}/file`, { form, timeoutMs: 120000 });
  },
  block: (id, blocked) => request('POST', `${userPath(id)}/block`, { json: { blocked } }),
  // user_id (beyond the README) lets the sandbox pick a chat-scoped menu if the bot set one.
  commands: async (lang, userId) => {
    if (isMax(userId)) return []; // Max bots have no command menu here
    const query = new URLSearchParams();
    if (lang) query.set('language_code', lang);
    if (userId != null) query.set('user_id', userId);
    return asList(await request('GET', `/control/commands?${query}`), 'commands');
  },
  setLimits: (enforce) => request('POST', '/control/settings', { json: { enforce_limits: enforce } }),
  errors: async () => asList(await request('GET', '/control/errors'), 'errors'),
  fileUrl: (fileId) => `${sidePath(state.userId)}/files/${encodeURIComponent(fileId)}`,
};

// ---------------------------------------------------------------- state

const STORAGE = {
  user: 'medcab-sandbox.user',
  profile: 'medcab-sandbox.profile', // the chosen user's profile, to recreate it in a restarted sandbox
  limits: 'medcab-sandbox.enforce-limits',
  blocked: 'medcab-sandbox.blocked', // {userId: bool}, a fallback when the user object has no `blocked`
};

const state = {
  users: [],
  userId: null,         // the simulated user we act as
  chat: null,           // the latest chat view from the sandbox
  poll: null,           // AbortController of the running long-poll loop
  connected: true,
  commands: [],
  errors: [],
  nodes: new Map(),     // render key → { sig, el }: unchanged messages keep their DOM node
  stick: true,          // the view is scrolled to the bottom and should stay there
  keyboardSig: null,    // the reply keyboard currently shown…
  keyboardHidden: false, // …and whether the user folded it away (or used a one-time keyboard)
  actionUntil: 0,       // a chat action ("typing") is shown until then, like Telegram's 5 s
  pendingPresses: new Set(), // `${message_id}:${data}` of buttons waiting for answerCallbackQuery
};

const currentUser = () => state.users.find((u) => String(u.id) === String(state.userId)) || null;

function readJson(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

// ---------------------------------------------------------------- toasts and alerts

function toast(text, kind = 'info') {
  const el = h('div', { className: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  $('#toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 6000 : 3500);
}

function alertBox(text) {
  const dialog = $('#alert-dialog');
  $('#alert-text').textContent = text;
  if (!dialog.open) dialog.showModal();
}

/** Runs a user action; a failure becomes an error toast instead of an unhandled rejection. */
async function attempt(what, fn) {
  try {
    return await fn();
  } catch (err) {
    toast(`${what}: ${err.message}`, 'error');
    return undefined;
  }
}

// ---------------------------------------------------------------- Telegram HTML

// Telegram's parse_mode=HTML subset, mapped to what we render.
const HTML_TAGS = {
  b: 'b', strong: 'b', i: 'i', em: 'i', u: 'u', ins: 'u', s: 's', strike: 's', del: 's',
  code: 'code', pre: 'pre', blockquote: 'blockquote',
};

/**
 * Builds DOM nodes from a bot's HTML: the string is parsed by DOMParser (inert:
 * nothing runs, nothing loads) and walked; only whitelisted tags are re-created,
 * only `href` is carried over (and only for safe schemes); every other element
 * is unwrapped to its text. The parsed document itself never reaches the page.
 */
function renderTelegramHtml(html) {
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${html}`, 'text/html');
  const out = document.createDocumentFragment();
  for (const node of doc.body.childNodes) out.append(convertNode(node, false));
  return out;
}

function convertNode(node, literal) {
  if (node.nodeType === Node.TEXT_NODE) return literal ? document.createTextNode(node.data) : linkify(node.data);
  if (node.nodeType !== Node.ELEMENT_NODE) return document.createTextNode('');
  const tag = node.localName;
  let el;
  if (tag === 'tg-spoiler' || (tag === 'span' && node.classList.contains('tg-spoiler'))) {
    el = spoiler();
  } else if (tag === 'a') {
    const href = safeUrl(node.getAttribute('href'));
    el = href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }) : document.createDocumentFragment();
  } else if (HTML_TAGS[tag]) {
    el = document.createElement(HTML_TAGS[tag]);
  } else {
    el = document.createDocumentFragment(); // not Telegram's: keep the text, drop the tag
  }
  // No auto-links inside code or an existing link.
  const childLiteral = literal || tag === 'a' || tag === 'code' || tag === 'pre';
  for (const child of node.childNodes) el.append(convertNode(child, childLiteral));
  return el;
}

function spoiler() {
  const el = h('span', { className: 'spoiler', tabIndex: 0, role: 'button', 'aria-label': t('Spoiler, press to reveal') });
  const reveal = () => {
    el.classList.add('revealed');
    el.removeAttribute('role');
    el.removeAttribute('aria-label');
    el.removeAttribute('tabindex');
  };
  el.addEventListener('click', reveal, { once: true });
  el.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); reveal(); } });
  return el;
}

// Telegram makes bare URLs and /commands clickable in any message; so do we.
const LINKIFY = /https?:\/\/[^\s<>"]+|(?<![\p{L}\p{N}_/])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?(?![\p{L}\p{N}_/])/gu;

function linkify(text) {
  const out = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(LINKIFY)) {
    let token = match[0];
    if (token.startsWith('/')) {
      out.append(text.slice(last, match.index), commandLink(token));
    } else {
      token = token.replace(/[.,;:!?)\]»"']+$/, ''); // trailing punctuation is not part of a URL
      const href = safeUrl(token);
      out.append(text.slice(last, match.index), href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, token) : token);
    }
    last = match.index + token.length;
  }
  out.append(text.slice(last));
  return out;
}

function commandLink(command) {
  const button = h('button', { type: 'button', className: 'cmd-link', title: t('Send {command}', { command }) }, command);
  button.addEventListener('click', () => sendText(command));
  return button;
}

// ---------------------------------------------------------------- rendering: users

function renderUsers() {
  const list = $('#user-list');
  list.replaceChildren(...state.users.map((user) => {
    const current = String(user.id) === String(state.userId);
    const meta = [user.messenger === 'max' ? 'Max' : 'Telegram', user.username && `@${user.username}`, user.language_code, `id ${user.id}`].filter(Boolean).join(' · ');
    const button = h('button', { type: 'button', className: 'user', 'aria-current': current ? 'true' : null },
      avatar(user),
      h('span', { className: 'user-text' },
        h('span', { className: 'user-name' }, userName(user)),
        h('span', { className: 'user-meta' }, meta)));
    button.addEventListener('click', () => selectUser(user.id));
    return h('li', {}, button);
  }));
  $('#users-empty').hidden = state.users.length > 0;

  const user = currentUser();
  const chip = $('#user-chip');
  chip.replaceChildren(...(user ? [avatar(user), h('span', {}, user.first_name || userName(user))] : [t('Pick a user')]));
  chip.title = user ? t('Chatting as {name} (id {id})', { name: userName(user), id: user.id }) : t('Pick a user');
  renderBlockToggle();
}

function renderBlockToggle() {
  const toggle = $('#block-toggle');
  const user = currentUser();
  toggle.disabled = !user;
  if (!user) { toggle.checked = false; return; }
  toggle.checked = typeof user.blocked === 'boolean' ? user.blocked : Boolean(readJson(STORAGE.blocked, {})[user.id]);
}

// ---------------------------------------------------------------- rendering: messages

/** Re-renders the conversation, reusing the DOM node of every message that did not change. */
function renderMessages(messages) {
  const container = $('#messages-inner');
  const items = [];
  let lastDay = null;
  for (const message of messages) {
    const day = message.date ? dayFormat.format(new Date(message.date * 1000)) : null;
    if (day && day !== lastDay) {
      items.push({ key: `day:${day}`, sig: day, build: () => h('div', { className: 'day' }, h('span', {}, day)) });
      lastDay = day;
    }
    // The pending-press set is part of the signature, so a button's spinner shows and clears.
    const pending = [...state.pendingPresses].filter((p) => p.startsWith(`${message.message_id}:`)).join();
    items.push({ key: `m:${message.message_id}`, sig: JSON.stringify(message) + pending, build: () => messageNode(message) });
  }

  const next = new Map();
  const elements = items.map((item) => {
    const old = state.nodes.get(item.key);
    const entry = old && old.sig === item.sig ? old : { sig: item.sig, el: item.build() };
    next.set(item.key, entry);
    return entry.el;
  });
  // Drop nodes of messages that are gone and of those rebuilt above.
  for (const [key, entry] of state.nodes) if (next.get(key)?.el !== entry.el) entry.el.remove();
  state.nodes = next;

  // Put the nodes in order, touching only those out of place.
  let cursor = container.firstChild;
  for (const el of elements) {
    if (el === cursor) cursor = cursor.nextSibling;
    else container.insertBefore(el, cursor);
  }
  renderEmpty();
}

function renderEmpty() {
  const empty = $('#empty');
  if (!state.userId) {
    const create = h('button', { type: 'button', className: 'primary-btn' }, t('Pick or create a user'));
    create.addEventListener('click', () => openSidebar(state.users.length ? null : '#new-user'));
    empty.replaceChildren(h('p', {}, t('Chat with the bot as a simulated Telegram user.')), create);
    empty.hidden = false;
  } else if (state.chat && !(state.chat.messages || []).length) {
    const start = h('button', { type: 'button', className: 'primary-btn' }, t('Start'));
    start.addEventListener('click', () => sendText('/start'));
    empty.replaceChildren(h('p', {}, t('No messages yet.')), start);
    empty.hidden = false;
  } else {
    empty.hidden = true;
  }
}

function messageNode(m) {
  const outgoing = m.from === 'user';
  const classes = ['msg', outgoing ? 'out' : 'in'];
  if (m.deleted) classes.push('deleted');
  if (m.photo && !m.html && !m.caption) classes.push('media-only');
  const row = h('div', { className: classes.join(' '), 'data-message-id': m.message_id });
  const bubble = h('div', { className: 'bubble' });

  if (m.photo) bubble.append(photoNode(m.photo));
  if (m.document) bubble.append(documentNode(m.document));
  if (m.contact) bubble.append(contactNode(m.contact));

  // `html` is what the bot sent with parse_mode=HTML (the text, or the caption of a file).
  const hasMedia = Boolean(m.photo || m.document || m.contact);
  const plain = hasMedia ? m.caption : m.text;
  const content = m.html != null && m.html !== '' ? renderTelegramHtml(m.html) : plain ? linkify(plain) : null;
  const text = h('div', { className: 'text' }, content);
  text.append(metaNode(m));
  bubble.append(text);

  // The bubble and its inline keyboard share one width, as in Telegram.
  const body = h('div', { className: 'msg-body' }, bubble);
  const keyboard = m.reply_markup?.inline_keyboard;
  if (Array.isArray(keyboard) && keyboard.length) body.append(inlineKeyboard(m, keyboard));
  row.append(body);
  return row;
}

function metaNode(m) {
  const meta = h('span', { className: 'meta' });
  if (m.protect_content) {
    meta.append(h('span', { className: 'protected', title: 'protect_content: no forwarding or saving' }, icon('i-lock'), 'protected'));
  }
  if (m.deleted) meta.append(h('span', { className: 'deleted-mark' }, 'deleted'));
  if (m.edited) meta.append(h('span', {}, 'edited'));
  if (m.date) meta.append(h('time', { dateTime: new Date(m.date * 1000).toISOString() }, timeFormat.format(new Date(m.date * 1000))));
  return meta;
}

function photoNode(photo) {
  const url = api.fileUrl(photo.file_id);
  const img = h('img', { src: url, alt: t('Photo'), loading: 'lazy', decoding: 'async' });
  // A photo grows the list when it loads: keep the newest message in view.
  img.addEventListener('load', () => { if (state.stick) scrollToBottom(); });
  img.addEventListener('error', () => img.replaceWith(h('span', { className: 'file-missing' }, t('Photo not available'))));
  return h('a', { className: 'photo', href: url, target: '_blank', rel: 'noopener', title: `Open photo (${formatSize(photo.file_size)})` }, img);
}

function documentNode(doc) {
  const name = doc.file_name || 'file';
  return h('a', { className: 'document', href: api.fileUrl(doc.file_id), download: name, title: doc.mime_type || '' },
    h('span', { className: 'doc-icon' }, icon('i-file')),
    h('span', { className: 'doc-text' },
      h('span', { className: 'doc-name' }, name),
      h('span', { className: 'doc-size' }, [formatSize(doc.file_size), doc.mime_type].filter(Boolean).join(' · '))));
}

function contactNode(contact) {
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(' ') || t('Contact');
  const who = contact.user_id != null ? `user id ${contact.user_id}` : 'not a Telegram user';
  return h('div', { className: 'contact' },
    h('span', { className: 'doc-icon' }, icon('i-person')),
    h('span', { className: 'doc-text' },
      h('span', { className: 'doc-name' }, name),
      h('span', {}, contact.phone_number || ''),
      h('span', { className: 'doc-size' }, who)));
}

function inlineKeyboard(m, rows) {
  return h('div', { className: 'inline-kb', role: 'group', 'aria-label': t('Message buttons') }, rows.map((row) =>
    h('div', { className: 'kb-row' }, (row || []).map((button) => inlineButton(m, button)))));
}

function inlineButton(m, button) {
  const el = h('button', { type: 'button', className: 'kb-btn', disabled: Boolean(m.deleted) }, button.text ?? '');
  const link = safeUrl(button.url || button.login_url?.url);
  if (link) {
    el.append(icon('i-link'));
    el.title = link;
    el.addEventListener('click', () => window.open(link, '_blank', 'noopener'));
  } else if (button.callback_data != null) {
    if (state.pendingPresses.has(`${m.message_id}:${button.callback_data}`)) el.classList.add('loading');
    el.addEventListener('click', () => pressButton(m.message_id, button.callback_data));
  } else if (button.type === 'request_contact') {
    // Max asks for the phone number with an inline button.
    el.addEventListener('click', () => shareContact());
  } else if (button.copy_text?.text != null) {
    el.addEventListener('click', () => navigator.clipboard?.writeText(button.copy_text.text).then(() => toast(t('Copied'))));
  } else {
    el.title = t('Not supported in the sandbox');
    el.addEventListener('click', () => toast(t('This kind of button is not supported in the sandbox')));
  }
  return el;
}

// ---------------------------------------------------------------- rendering: reply keyboard, status

function renderReplyKeyboard(markup) {
  const box = $('#reply-keyboard');
  const toggle = $('#keyboard-toggle');
  const rows = Array.isArray(markup?.keyboard) ? markup.keyboard.filter((r) => Array.isArray(r) && r.length) : [];
  const sig = rows.length ? JSON.stringify(markup) : null;
  if (sig !== state.keyboardSig) {
    state.keyboardSig = sig;
    state.keyboardHidden = false; // a new keyboard from the bot always shows
  }
  $('#input').placeholder = markup?.input_field_placeholder || t('Message');
  toggle.hidden = !rows.length;
  toggle.setAttribute('aria-pressed', String(rows.length > 0 && !state.keyboardHidden));
  toggle.setAttribute('aria-label', t(state.keyboardHidden ? 'Show bot keyboard' : 'Hide bot keyboard'));
  box.hidden = !rows.length || state.keyboardHidden;
  // Rebuild only when the keyboard changed, so focus on one of its buttons survives chat updates.
  if (box.hidden || box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  box.replaceChildren(...rows.map((row) => h('div', { className: 'kb-row' }, row.map((raw) => {
    const button = typeof raw === 'string' ? { text: raw } : raw;
    const el = h('button', { type: 'button', className: 'kb-btn' }, button.request_contact ? icon('i-person') : null, button.text ?? '');
    el.addEventListener('click', () => replyButton(button, Boolean(markup.one_time_keyboard)));
    return el;
  }))));
}

const ACTION_LABELS = {
  typing: 'typing…',
  upload_photo: 'uploading a photo…',
  upload_document: 'uploading a file…',
  upload_video: 'uploading a video…',
  upload_voice: 'uploading a voice message…',
  record_video: 'recording a video…',
  record_voice: 'recording a voice message…',
  record_video_note: 'recording a video message…',
  upload_video_note: 'uploading a video message…',
  choose_sticker: 'choosing a sticker…',
  find_location: 'finding a location…',
};

function renderStatus() {
  const status = $('#chat-status');
  const action = state.chat?.chat_action;
  const active = action && Date.now() < state.actionUntil;
  status.textContent = active ? ACTION_LABELS[action] || `${String(action).replaceAll('_', ' ')}…` : 'bot';
  status.classList.toggle('active', Boolean(active));
  $('#conn-note').hidden = state.connected;
}

// ---------------------------------------------------------------- rendering: developer panel

function renderErrors() {
  const count = state.errors.length;
  const badge = $('#errors-badge');
  badge.hidden = count === 0;
  badge.textContent = `${count} API error${count === 1 ? '' : 's'}`;
  badge.title = t('Bot API calls the sandbox refused: bugs in the bot');
  const devCount = $('#dev-count');
  devCount.textContent = String(count);
  devCount.classList.toggle('bad', count > 0);

  // Newest first; the list is append-only on the sandbox side.
  const shown = state.errors.slice(-100).reverse();
  $('#error-list').replaceChildren(...shown.map((e) => {
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body, null, 2);
    return h('li', { className: 'error' },
      h('div', { className: 'error-head' }, h('code', {}, e.method || '?'), h('span', { className: 'error-code' }, String(e.error_code ?? ''))),
      h('div', { className: 'error-desc' }, e.description || ''),
      body && body !== 'null' ? h('details', {}, h('summary', {}, t('Request')), h('pre', {}, body)) : null);
  }));
  if (!count) $('#error-list').append(h('li', { className: 'hint' }, t('None so far.')));
}

// ---------------------------------------------------------------- scrolling

const nearBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 80;

function scrollToBottom() {
  const list = $('#messages');
  list.scrollTop = list.scrollHeight;
}

// ---------------------------------------------------------------- actions

// What the user sends goes out one request at a time: two quick Enters must reach
// the bot in the order they were typed, as they would from a real Telegram client.
let outbox = Promise.resolve();
function enqueue(fn) {
  const result = outbox.then(fn);
  outbox = result.catch(() => {});
  return result;
}

async function selectUser(id) {
  const changed = String(id) !== String(state.userId);
  state.userId = id == null ? null : id;
  if (id == null) {
    localStorage.removeItem(STORAGE.user);
    history.replaceState(null, '', location.pathname + location.search);
  } else {
    localStorage.setItem(STORAGE.user, String(id));
    const user = state.users.find((u) => String(u.id) === String(id));
    if (user) localStorage.setItem(STORAGE.profile, JSON.stringify(user));
    // replaceState: no hashchange event, and Back leaves the page instead of stepping through users.
    history.replaceState(null, '', `#user=${encodeURIComponent(id)}`);
  }
  closeSidebar();
  if (!changed && state.poll) { renderUsers(); return; }

  state.poll?.abort();
  state.poll = null;
  state.chat = null;
  state.nodes.clear();
  state.pendingPresses.clear();
  state.keyboardSig = null;
  state.stick = true;
  $('#messages-inner').replaceChildren();
  renderReplyKeyboard(null);
  renderUsers();
  renderStatus();
  renderEmpty();
  if (id == null) return;

  const controller = new AbortController();
  state.poll = controller;
  pollChat(id, controller.signal);
  loadCommands();
}

async function sendText(text) {
  if (!state.userId || !text.trim()) return false;
  state.stick = true;
  const userId = state.userId;
  const ok = await attempt('Send', () => enqueue(() => api.sendText(userId, text)));
  return ok !== undefined;
}

async function sendInput() {
  const input = $('#input');
  const text = input.value;
  if (!text.trim()) return;
  input.value = '';
  autoGrow();
  hideMenus();
  if (!(await sendText(text))) input.value = text; // give the text back if it did not go out
  autoGrow();
}

async function pressButton(messageId, data) {
  if (!state.userId) return;
  const key = `${messageId}:${data}`;
  const userId = state.userId;
  state.pendingPresses.add(key);
  rerender();
  try {
    const result = await attempt('Button', () => enqueue(() => api.press(userId, messageId, data)));
    const queryId = result?.callback_query_id ?? result?.callback_id; // Telegram's, Max's
    if (queryId != null) await awaitCallbackAnswer(queryId);
  } finally {
    state.pendingPresses.delete(key);
    rerender();
  }
}

/**
 * Telegram shows a spinner on the button until the bot calls answerCallbackQuery,
 * then its text as a notification or an alert. A bot that never answers leaves
 * the spinner running: we say so, since that is a bug worth seeing.
 */
async function awaitCallbackAnswer(queryId) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    await sleep(300);
    const answer = await api.callback(queryId).catch(() => null);
    if (answer?.answered) {
      if (answer.text) (answer.show_alert ? alertBox : toast)(answer.text);
      return;
    }
  }
  toast(t('The bot did not answer the callback query (answerCallbackQuery) within 10 s'), 'warn');
}

async function replyButton(button, oneTime) {
  if (oneTime) {
    state.keyboardHidden = true;
    renderReplyKeyboard(state.chat?.reply_keyboard);
  }
  if (button.request_contact) await shareContact();
  else await sendText(button.text ?? '');
}

async function shareContact() {
  if (!state.userId) return;
  hideMenus();
  state.stick = true;
  const userId = state.userId;
  await attempt('Share contact', () => enqueue(() => api.shareContact(userId)));
}

// Telegram sends these as compressed photos; everything else (gif, svg, pdf…) goes as a document.
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

async function uploadFiles(files) {
  if (!state.userId || !files.length) return;
  const userId = state.userId;
  const input = $('#input');
  // As in Telegram, text typed before attaching becomes the (first) file's caption.
  let caption = input.value.trim();
  input.value = '';
  autoGrow();
  state.stick = true;
  for (const file of files) {
    const as = PHOTO_TYPES.has(file.type) ? 'photo' : 'document';
    toast(t('Uploading {name}…', { name: file.name }));
    const text = caption;
    await attempt(`Upload ${file.name}`, () => enqueue(() => api.sendFile(userId, file, as, text)));
    caption = '';
  }
}

async function createUser(form) {
  const data = Object.fromEntries(new FormData(form));
  const user = { first_name: data.first_name.trim(), language_code: data.language_code, messenger: data.messenger };
  const lastName = data.last_name.trim();
  const username = data.username.trim().replace(/^@/, '');
  const phone = data.phone_number.trim();
  if (lastName) user.last_name = lastName;
  if (username) user.username = username;
  if (phone) user.phone_number = phone;
  const created = await attempt('Create user', () => api.createUser(user));
  if (!created) return;
  form.reset();
  $('#new-user').open = false;
  await loadUsers();
  if (!state.users.some((u) => String(u.id) === String(created.id))) state.users.push(created);
  await selectUser(created.id);
}

/** Refreshes the user list; `quiet` (the periodic refresh) leaves errors to the poll loop's note. */
async function loadUsers(quiet = false) {
  const users = quiet ? await api.users().catch(() => null) : await attempt('Users', () => api.users());
  if (!users) return;
  // Unchanged list: keep the DOM (and keyboard focus in it) as it is.
  if (quiet && JSON.stringify(users) === JSON.stringify(state.users)) return;
  state.users = users;
  renderUsers();
}

/**
 * The sandbox keeps users in memory, while the bot's database outlives it: after
 * `medcab sandbox` restarts, the remembered user is recreated with the same id and
 * profile, so the bot still knows them. Returns the user, or null if we cannot.
 */
async function restoreUser(id) {
  const profile = readJson(STORAGE.profile, null);
  if (!profile || String(profile.id) !== String(id) || !profile.first_name) return null;
  const fields = ['id', 'first_name', 'last_name', 'username', 'language_code', 'phone_number', 'messenger'];
  const body = Object.fromEntries(fields.filter((f) => profile[f] != null).map((f) => [f, profile[f]]));
  const user = await api.createUser(body).catch(() => null);
  if (!user) return null;
  const blocked = readJson(STORAGE.blocked, {});
  delete blocked[user.id]; // a new sandbox starts unblocked
  localStorage.setItem(STORAGE.blocked, JSON.stringify(blocked));
  toast(t('Recreated {name} (id {id}) in the restarted sandbox', { name: userName(user), id: user.id }));
  await loadUsers(true);
  return user;
}

async function loadCommands() {
  const lang = currentUser()?.language_code || '';
  state.commands = (await api.commands(lang, state.userId).catch(() => [])) || [];
  if (!$('#command-menu').hidden) showCommandMenu(commandFilter());
}

let errorsLoading = false;
async function loadErrors() {
  if (errorsLoading) return;
  errorsLoading = true;
  try {
    const errors = await api.errors();
    if (errors.length !== state.errors.length || JSON.stringify(errors) !== JSON.stringify(state.errors)) {
      state.errors = errors;
      renderErrors();
    }
  } catch {
    // The chat's poll loop already reports connection trouble.
  } finally {
    errorsLoading = false;
  }
}

// ---------------------------------------------------------------- live updates

/** Long-polls the chat view of one user until `signal` aborts (another user is picked). */
async function pollChat(userId, signal) {
  let since = null;
  let backoff = 1000;
  while (!signal.aborted) {
    const started = Date.now();
    try {
      const chat = await api.chat(userId, since, signal);
      if (signal.aborted) return;
      backoff = 1000;
      if (!state.connected) { state.connected = true; renderStatus(); }
      if (chat.version !== since) applyChat(chat);
      // A sandbox that answers at once without a change must not make us spin.
      else if (Date.now() - started < 200) await sleep(1000, signal);
      since = chat.version;
    } catch (err) {
      if (signal.aborted) return;
      // 404 means the user is gone (a restarted sandbox), unless the sandbox is just going down.
      if (err.status === 404) {
        const users = await api.users().catch(() => null);
        if (signal.aborted) return;
        if (users && !users.some((u) => String(u.id) === String(userId))) {
          state.users = users;
          if (await restoreUser(userId)) { since = null; continue; }
          toast(t('User {id} does not exist in this sandbox', { id: userId }), 'warn');
          if (String(state.userId) === String(userId)) selectUser(null);
          return;
        }
      }
      state.connected = false;
      renderStatus();
      // Retry with a plain read, which answers at once: the note clears as soon as the
      // sandbox is back, and a restarted sandbox (versions from 0 again) is picked up.
      since = null;
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, 15000);
    }
  }
}

let actionTimer = null;

function applyChat(chat) {
  const list = $('#messages');
  const first = state.chat == null;
  const stick = first || state.stick || nearBottom(list);
  const prev = state.chat;
  state.chat = chat;

  // Telegram shows a chat action for 5 s or until the bot sends something.
  if (chat.chat_action && (chat.chat_action !== prev?.chat_action || chat.version !== prev?.version)) {
    state.actionUntil = Date.now() + 5000;
    clearTimeout(actionTimer);
    actionTimer = setTimeout(renderStatus, 5100);
  }

  renderMessages(chat.messages || []);
  renderReplyKeyboard(chat.reply_keyboard);
  renderStatus();
  if (stick) scrollToBottom();
  loadErrors(); // a bot reply is a good moment to see whether something was refused
}

/** Re-renders from the current snapshot (after a local change such as a pending press). */
function rerender() {
  if (state.chat) renderMessages(state.chat.messages || []);
}

// ---------------------------------------------------------------- menus, sidebar, input

function commandFilter() {
  const match = /^\/([A-Za-z0-9_]*)$/.exec($('#input').value);
  return match ? match[1].toLowerCase() : '';
}

function showCommandMenu(filter = '') {
  const menu = $('#command-menu');
  const commands = state.commands.filter((c) => String(c.command).toLowerCase().startsWith(filter));
  if (!state.commands.length) {
    menu.replaceChildren(h('p', { className: 'hint' }, t('The bot has set no commands for this language.')));
  } else if (!commands.length) {
    hideMenus();
    return;
  } else {
    menu.replaceChildren(...commands.map((c) => {
      const item = h('button', { type: 'button', role: 'menuitem', className: 'command' },
        h('span', { className: 'command-name' }, `/${c.command}`),
        h('span', { className: 'command-desc' }, c.description || ''));
      item.addEventListener('click', () => insertCommand(c.command));
      return item;
    }));
  }
  menu.hidden = false;
  $('#commands-btn').setAttribute('aria-expanded', 'true');
}

function insertCommand(command) {
  const input = $('#input');
  // Replace a half-typed command, keep any other text after it.
  const rest = input.value.replace(/^\/[A-Za-z0-9_]*\s?/, '');
  input.value = `/${command} ${rest}`;
  hideMenus();
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  autoGrow();
}

function toggleAttachMenu() {
  const menu = $('#attach-menu');
  const open = menu.hidden;
  hideMenus();
  menu.hidden = !open;
  $('#attach-btn').setAttribute('aria-expanded', String(open));
  if (open) menu.querySelector('button').focus();
}

function hideMenus() {
  $('#command-menu').hidden = true;
  $('#attach-menu').hidden = true;
  $('#commands-btn').setAttribute('aria-expanded', 'false');
  $('#attach-btn').setAttribute('aria-expanded', 'false');
}

const narrow = () => matchMedia('(max-width: 860px)').matches;

/** Shows the users/tools panel (a drawer on phones) and optionally unfolds one section of it. */
function openSidebar(section) {
  if (section) {
    const details = $(section);
    details.open = true;
    details.scrollIntoView({ block: 'nearest' });
  }
  if (!narrow()) return;
  $('#sidebar').classList.add('open');
  $('#scrim').hidden = false;
  $('#sidebar-open').setAttribute('aria-expanded', 'true');
  $('#sidebar-close').focus();
}

function closeSidebar() {
  if (!$('#sidebar').classList.contains('open')) return;
  $('#sidebar').classList.remove('open');
  $('#scrim').hidden = true;
  $('#sidebar-open').setAttribute('aria-expanded', 'false');
}

function autoGrow() {
  const input = $('#input');
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

// ---------------------------------------------------------------- start-up

function userFromHash() {
  const match = /(?:^#|&)user=([^&]+)/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

function wire() {
  const input = $('#input');
  $('#composer').addEventListener('submit', (e) => { e.preventDefault(); sendInput(); });
  input.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter is a new line; never while an IME is composing (e.g. Cyrillic on some layouts).
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendInput(); }
    if (e.key === 'Escape') hideMenus();
  });
  input.addEventListener('input', () => {
    autoGrow();
    // Typing a lone "/…" opens the command hint, as in Telegram.
    if (/^\/[A-Za-z0-9_]*$/.test(input.value)) showCommandMenu(commandFilter());
    else if (!$('#command-menu').hidden) hideMenus();
  });

  $('#commands-btn').addEventListener('click', () => {
    if ($('#command-menu').hidden) { hideMenus(); showCommandMenu(); loadCommands(); } else hideMenus();
  });
  $('#attach-btn').addEventListener('click', toggleAttachMenu);
  $('#attach-file').addEventListener('click', () => { hideMenus(); $('#file-input').click(); });
  $('#attach-contact').addEventListener('click', shareContact);
  $('#file-input').addEventListener('change', (e) => {
    uploadFiles([...e.target.files]);
    e.target.value = ''; // allow picking the same file again
  });
  $('#keyboard-toggle').addEventListener('click', () => {
    state.keyboardHidden = !state.keyboardHidden;
    renderReplyKeyboard(state.chat?.reply_keyboard);
  });

  // Close popovers on a click elsewhere or Escape.
  document.addEventListener('click', (e) => {
    if (!e.target.closest('.popover, #commands-btn, #attach-btn')) hideMenus();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { hideMenus(); closeSidebar(); }
  });

  $('#messages').addEventListener('scroll', () => { state.stick = nearBottom($('#messages')); }, { passive: true });
  // The pane shrinks (reply keyboard, a taller input, the reconnecting note) and the
  // content grows (photos loading) without a scroll event: stay at the bottom if we were.
  const keepBottom = new ResizeObserver(() => { if (state.stick) scrollToBottom(); });
  keepBottom.observe($('#messages'));
  keepBottom.observe($('#messages-inner'));

  $('#sidebar-open').addEventListener('click', () => openSidebar());
  $('#sidebar-close').addEventListener('click', closeSidebar);
  $('#scrim').addEventListener('click', closeSidebar);
  $('#user-chip').addEventListener('click', () => openSidebar(state.users.length ? null : '#new-user'));
  $('#errors-badge').addEventListener('click', () => { openSidebar('#dev'); loadErrors(); });
  $('#users-refresh').addEventListener('click', () => loadUsers());
  $('#errors-refresh').addEventListener('click', loadErrors);
  $('#new-user-form').addEventListener('submit', (e) => { e.preventDefault(); createUser(e.target); });

  $('#limits-toggle').addEventListener('change', async (e) => {
    const on = e.target.checked;
    const ok = await attempt('Send limits', () => api.setLimits(on));
    if (ok === undefined) { e.target.checked = !on; return; }
    localStorage.setItem(STORAGE.limits, JSON.stringify(on));
    toast(t(on ? 'Send limits on: 1 msg/s per chat, 30 msg/s per bot' : 'Send limits off'));
  });
  $('#block-toggle').addEventListener('change', async (e) => {
    const user = currentUser();
    if (!user) return;
    const on = e.target.checked;
    const ok = await attempt('Block', () => api.block(user.id, on));
    if (ok === undefined) { e.target.checked = !on; return; }
    const blocked = readJson(STORAGE.blocked, {});
    blocked[user.id] = on;
    localStorage.setItem(STORAGE.blocked, JSON.stringify(blocked));
    if (typeof user.blocked === 'boolean') user.blocked = on;
    toast(on ? `${user.first_name} blocked the bot` : `${user.first_name} unblocked the bot`);
  });

  window.addEventListener('hashchange', () => {
    const id = userFromHash();
    if (id != null && String(id) !== String(state.userId)) selectUser(id);
  });
}

async function main() {
  translatePage();
  wire();
  renderErrors();
  renderStatus();

  // The control API cannot read the setting back, and a restarted sandbox starts with
  // limits off: re-apply what this browser last set, so the checkbox tells the truth.
  const limits = Boolean(readJson(STORAGE.limits, false));
  $('#limits-toggle').checked = limits;
  if (limits) api.setLimits(true).catch(() => { $('#limits-toggle').checked = false; });

  await loadUsers();
  const wanted = userFromHash() ?? localStorage.getItem(STORAGE.user);
  const known = state.users.find((u) => String(u.id) === String(wanted))
    ?? (wanted != null ? await restoreUser(wanted) : null);
  const pick = known ?? (wanted == null ? state.users[0] : null);
  if (pick) {
    selectUser(pick.id);
  } else {
    if (wanted != null) toast(t('User {id} is not in this sandbox', { id: wanted }), 'warn');
    selectUser(null);
    if (!state.users.length) $('#new-user').open = true;
  }

  loadErrors();
  setInterval(loadErrors, 5000);
  setInterval(() => { if (!document.hidden) loadUsers(true); }, 15000);
}

main();

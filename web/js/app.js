// The single page: hash routes, the header (navigation, today's chats, language, log out),
// flash messages, and what every view shares (ctx).
import { api, setUnauthorizedHandler } from './api.js';
import { session, prefs } from './store.js';
import { t, lang, setLang, initLang } from './i18n.js';
import { h, icon, clear, formatTime, formatDuration } from './ui.js';
import * as authView from './views/auth.js';
import * as homeView from './views/home.js';
import * as interviewView from './views/interview.js';
import * as reportView from './views/report.js';
import * as accountView from './views/account.js';

const ROUTES = [
  { pattern: /^\/login$/, view: authView, name: 'login', auth: false, args: () => ({ mode: 'login' }) },
  { pattern: /^\/register$/, view: authView, name: 'register', auth: false, args: () => ({ mode: 'register' }) },
  { pattern: /^\/$/, view: homeView, name: 'home', auth: true, args: () => ({}) },
  { pattern: /^\/interview\/([\w-]{1,80})$/, view: interviewView, name: 'interview', auth: true, args: (m) => ({ id: m[1] }) },
  { pattern: /^\/report\/([\w-]{1,80})$/, view: reportView, name: 'report', auth: true, args: (m) => ({ id: m[1] }) },
  { pattern: /^\/account$/, view: accountView, name: 'account', auth: true, args: () => ({}) },
];

const main = document.getElementById('main');
const slots = {
  nav: document.querySelector('[data-slot="nav"]'),
  tools: document.querySelector('[data-slot="tools"]'),
  quota: document.querySelector('[data-slot="quota"]'),
  flash: document.querySelector('[data-slot="flash"]'),
  footer: document.querySelector('[data-slot="footer"]'),
};

let renderSeq = 0;
let cleanup = null;
let currentRoute = null;
let pendingFlash = null;
let quota = null;
let quotaTimer = null;
let firstLoad = true;
const stash = new Map(); // hand-over between views (e.g. the opening reply with its audio)

function parseHash() {
  let raw = location.hash.replace(/^#/, '');
  try { raw = decodeURIComponent(raw); } catch { /* a malformed escape: use the hash as it is */ }
  raw = raw || '/';
  const [path, query] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(query || '') };
}

function go(hash, { replace = false } = {}) {
  const target = hash.startsWith('#') ? hash : `#${hash}`;
  if (location.hash === target) { render(); return; }
  if (replace) {
    history.replaceState(null, '', target);
    render();
  } else {
    location.hash = target;
  }
}

/** A message at the top: now (cleared by the next page), or with next: true on the next page. */
function flash(text, kind = 'info', { next = false } = {}) {
  pendingFlash = { text, kind, keep: next ? 1 : 0 };
  showFlash();
}

function showFlash() {
  clear(slots.flash);
  if (!pendingFlash) return;
  const { text, kind } = pendingFlash;
  const close = h('button', { type: 'button', class: 'flash-close', 'aria-label': t('dismiss'), onclick: () => { pendingFlash = null; clear(slots.flash); } }, '×');
  slots.flash.append(h('div', { class: `flash flash-${kind}`, 'data-testid': 'flash' }, h('span', {}, text), close));
}

// -- quota (today's chats), always visible while logged in ---------------------------

function setQuota(data) {
  if (!data || typeof data.limit !== 'number') return;
  quota = { count: data.count, limit: data.limit, remaining: data.remaining ?? Math.max(0, data.limit - data.count), resets_at: data.resets_at };
  renderQuota();
}

async function refreshQuota() {
  if (!session.token()) return null;
  try {
    const { data } = await api('GET', '/api/user/me/');
    if (data.username) session.setUsername(data.username);
    setQuota(data);
    return data;
  } catch {
    return null;
  }
}

function renderQuota() {
  clear(slots.quota);
  clearInterval(quotaTimer);
  if (!session.token() || !quota) { slots.quota.hidden = true; return; }
  slots.quota.hidden = false;
  const resetsIn = quota.resets_at ? (Date.parse(quota.resets_at) - Date.now()) / 1000 : null;
  if (resetsIn !== null && resetsIn <= 0) { refreshQuota(); return; }
  const empty = quota.remaining <= 0;
  const pct = quota.limit > 0 ? Math.max(0, Math.min(100, (quota.remaining / quota.limit) * 100)) : 0;
  slots.quota.append(h('div', { class: `quota ${empty ? 'quota-empty' : ''}`, 'data-testid': 'quota' },
    icon('clock'),
    h('span', { class: 'quota-text' },
      h('strong', { 'data-testid': 'quota-remaining' }, t('quota_left', { remaining: quota.remaining, limit: quota.limit })),
      quota.resets_at ? h('span', { class: 'quota-reset', 'data-testid': 'quota-resets' },
        t('quota_resets', { time: formatTime(quota.resets_at), wait: formatDuration(resetsIn) })) : null),
    h('span', { class: 'quota-meter', 'aria-hidden': 'true' }, h('span', { style: `width:${pct}%` }))));
  // Keep "resets in …" honest, and fetch the new day's numbers once it has begun.
  quotaTimer = setInterval(renderQuota, 60000);
}

// -- header ---------------------------------------------------------------------------

function renderHeader() {
  const loggedIn = Boolean(session.token());
  document.querySelector('.brand-name').textContent = t('app_name');
  document.querySelector('[data-skip]').textContent = t('skip_to_content');
  clear(slots.nav);
  if (loggedIn) {
    const link = (href, label, iconName, name, testid) => h('a', {
      href, class: 'nav-link', 'data-testid': testid,
      'aria-current': currentRoute && currentRoute.name === name ? 'page' : null,
    }, icon(iconName), h('span', {}, label));
    slots.nav.append(link('#/', t('nav_home'), 'home', 'home', 'nav-home'),
      link('#/account', t('nav_account'), 'user', 'account', 'nav-account'));
  }
  clear(slots.tools);
  const langButton = (code, label, full) => h('button', {
    type: 'button', class: 'seg-btn', lang: code, 'aria-pressed': String(lang() === code),
    'aria-label': full, title: full, 'data-testid': `ui-lang-${code}`,
    onclick: () => { if (lang() !== code) { setLang(code); prefs.setLang(code); renderShell(); render(); } },
  }, label);
  slots.tools.append(h('div', { class: 'seg', role: 'group', 'aria-label': t('interface_language'), 'data-testid': 'lang-switch' },
    icon('globe'), langButton('ko', '한국어', '한국어'), langButton('en', 'EN', 'English')));
  if (loggedIn) {
    slots.tools.append(h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-testid': 'logout-button', 'aria-label': t('logout'), title: t('logout'), onclick: logout },
      icon('logout'), h('span', { class: 'hide-narrow' }, t('logout'))));
  }
  renderQuota();
}

function renderShell() {
  document.documentElement.lang = lang();
  renderHeader();
  clear(slots.footer);
  slots.footer.append(h('p', {}, t('footer_note')));
}

async function logout() {
  try { await api('GET', '/api/user/logout/'); } catch { /* the token is forgotten either way */ }
  session.clear();
  quota = null;
  flash(t('logged_out'), 'ok', { next: true });
  go('#/login');
}

let handlingUnauthorized = false;
setUnauthorizedHandler(() => {
  if (handlingUnauthorized) return;
  handlingUnauthorized = true;
  const here = location.hash;
  session.clear();
  quota = null;
  if (here && !/^#\/(login|register)/.test(here)) sessionStorage.setItem('mi.return', here);
  flash(t('session_expired'), 'warn', { next: true });
  go('#/login', { replace: true });
  setTimeout(() => { handlingUnauthorized = false; }, 500);
});

// -- routing --------------------------------------------------------------------------

function takeReturn() {
  const target = sessionStorage.getItem('mi.return');
  sessionStorage.removeItem('mi.return');
  return target && /^#\/(interview|report|account)/.test(target) ? target : '#/';
}

const ctx = {
  go, flash, setQuota, refreshQuota, stash,
  get quota() { return quota; },
  setTitle(text) { document.title = text ? `${text} · ${t('app_name')}` : t('app_name'); },
  afterLogin() { renderShell(); refreshQuota(); go(takeReturn()); },
  topics: (() => {
    let cached = null;
    return () => {
      if (!cached) cached = api('GET', '/api/topics/', { auth: false }).then((r) => r.data).catch((error) => { cached = null; throw error; });
      return cached;
    };
  })(),
};

async function render() {
  const seq = ++renderSeq;
  if (cleanup) { try { cleanup(); } catch { /* a view's cleanup must not break navigation */ } }
  cleanup = null;
  const { path, query } = parseHash();
  let route = null;
  let match = null;
  for (const candidate of ROUTES) {
    match = candidate.pattern.exec(path);
    if (match) { route = candidate; break; }
  }
  if (!route) { go('#/', { replace: true }); return; }
  if (route.auth && !session.token()) {
    if (session.expired()) { session.clear(); flash(t('session_expired'), 'warn', { next: true }); }
    if (location.hash && location.hash !== '#/') sessionStorage.setItem('mi.return', location.hash);
    go('#/login', { replace: true });
    return;
  }
  if (!route.auth && session.token()) { go('#/', { replace: true }); return; }
  currentRoute = route;
  if (pendingFlash) {
    if (pendingFlash.keep > 0) pendingFlash.keep -= 1;
    else pendingFlash = null;
  }
  showFlash();
  renderHeader();
  if (route.auth && !quota) refreshQuota(); // today's chats, always in the header
  const root = h('div', { class: `view view-${route.name}`, 'data-testid': `view-${route.name}` });
  main.replaceChildren(root);
  main.setAttribute('aria-busy', 'true');
  const viewCtx = { ...ctx, alive: () => seq === renderSeq, query };
  Object.defineProperty(viewCtx, 'quota', { get: () => quota });
  try {
    const result = await route.view.render(root, route.args(match), viewCtx);
    if (seq === renderSeq) cleanup = typeof result === 'function' ? result : null;
    else if (typeof result === 'function') result();
  } catch (error) {
    if (seq === renderSeq && !(error && error.handled)) {
      root.append(h('div', { class: 'notice notice-error', role: 'alert' }, (error && error.message) || t('err_generic')));
    }
  } finally {
    if (seq === renderSeq) main.removeAttribute('aria-busy');
  }
  if (seq !== renderSeq) return;
  if (!firstLoad) {
    const heading = root.querySelector('h1');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
  }
  firstLoad = false;
}

initLang(prefs.lang());
renderShell();
window.addEventListener('hashchange', () => render());
window.addEventListener('storage', (event) => {
  // Logged out or in from another tab.
  if (event.key === 'mi.token') { renderShell(); render(); }
  if (event.key === 'mi.lang' && event.newValue && event.newValue !== lang()) { setLang(event.newValue); renderShell(); render(); }
});
if (session.token()) refreshQuota();
render();

// What the browser remembers: the session (localStorage, so it survives reloads), the
// interface language, the mute switch, unsent answers, and recent reply audio links.

const KEYS = {
  token: 'mi.token',
  expires: 'mi.token_expires',
  username: 'mi.username',
  lang: 'mi.lang',
  muted: 'mi.muted',
  draft: 'mi.draft.',
  audio: 'mi.audio.',
};

function read(storage, key) {
  try { return storage.getItem(key); } catch { return null; }
}
function write(storage, key, value) {
  try {
    if (value === null || value === undefined) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch { /* private mode or full: the app keeps working without memory */ }
}
function readJson(storage, key, fallback) {
  const raw = read(storage, key);
  if (!raw) return fallback;
  try { return JSON.parse(raw); } catch { return fallback; }
}

export const session = {
  token() {
    const token = read(localStorage, KEYS.token);
    if (!token) return null;
    const expires = Date.parse(read(localStorage, KEYS.expires) || '');
    if (Number.isFinite(expires) && expires <= Date.now()) return null;
    return token;
  },
  /** True when a token is stored but its expiry has passed. */
  expired() {
    const token = read(localStorage, KEYS.token);
    const expires = Date.parse(read(localStorage, KEYS.expires) || '');
    return Boolean(token) && Number.isFinite(expires) && expires <= Date.now();
  },
  username() { return read(localStorage, KEYS.username); },
  save(token, expiresAt, username) {
    write(localStorage, KEYS.token, token);
    write(localStorage, KEYS.expires, expiresAt || null);
    write(localStorage, KEYS.username, username || null);
  },
  setUsername(username) { write(localStorage, KEYS.username, username); },
  clear() {
    write(localStorage, KEYS.token, null);
    write(localStorage, KEYS.expires, null);
    write(localStorage, KEYS.username, null);
  },
};

export const prefs = {
  lang() { return read(localStorage, KEYS.lang); },
  setLang(lang) { write(localStorage, KEYS.lang, lang); },
  muted() { return read(localStorage, KEYS.muted) === '1'; },
  setMuted(muted) { write(localStorage, KEYS.muted, muted ? '1' : '0'); },
};

/** An answer typed but not yet answered by the interviewer, per interview: {text, key?}. */
export const drafts = {
  get(interviewId) { return readJson(localStorage, KEYS.draft + interviewId, null); },
  set(interviewId, draft) {
    write(localStorage, KEYS.draft + interviewId, draft ? JSON.stringify(draft) : null);
  },
  clear(interviewId) { write(localStorage, KEYS.draft + interviewId, null); },
};

/** Reply audio links of this tab, per interview: {messageIndex: url}. They expire in minutes. */
export const audioLinks = {
  all(interviewId) { return readJson(sessionStorage, KEYS.audio + interviewId, {}); },
  set(interviewId, index, url) {
    const links = this.all(interviewId);
    links[index] = url;
    write(sessionStorage, KEYS.audio + interviewId, JSON.stringify(links));
  },
};

/** A link's expiry (the `e` query parameter, epoch seconds), or null. */
export function linkExpired(url) {
  try {
    const e = Number(new URL(url).searchParams.get('e'));
    return Number.isFinite(e) && e > 0 && e * 1000 <= Date.now();
  } catch {
    return false;
  }
}

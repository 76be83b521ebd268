// Small DOM helpers: elements built with textContent (never HTML from the API), icons,
// a confirmation dialog, field errors, and a countdown for Retry-After.
import { t, lang } from './i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.setAttribute('class', value);
    else if (name === 'text') el.textContent = value;
    else if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'value' && 'value' in el && el.namespaceURI !== SVG_NS) el.value = value;
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
}

function addChildren(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** h('button', {class: 'btn', onclick}, 'text', child, ...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  addChildren(el, children);
  return el;
}

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  addChildren(el, children);
  return el;
}

const ICONS = {
  mic: ['M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3z', 'M5 11a7 7 0 0 0 14 0', 'M12 18v3'],
  send: ['M4 12l16-8-6 16-2.5-6.5z', 'M11.5 13.5L20 4'],
  speaker: ['M4 9h4l5-4v14l-5-4H4z', 'M16 9a4 4 0 0 1 0 6', 'M18.5 6.5a8 8 0 0 1 0 11'],
  muted: ['M4 9h4l5-4v14l-5-4H4z', 'M17 9l5 6', 'M22 9l-5 6'],
  replay: ['M4 12a8 8 0 1 0 2.5-5.8', 'M4 4v5h5'],
  trash: ['M4 7h16', 'M9 7V4h6v3', 'M6 7l1 13h10l1-13', 'M10 11v6', 'M14 11v6'],
  logout: ['M15 4h4v16h-4', 'M10 8l-4 4 4 4', 'M6 12h10'],
  globe: ['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z', 'M3 12h18', 'M12 3c3 3.5 3 14.5 0 18', 'M12 3c-3 3.5-3 14.5 0 18'],
  download: ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'],
  report: ['M6 3h9l4 4v14H6z', 'M9 13v4', 'M12 10v7', 'M15 14v3'],
  plus: ['M12 5v14', 'M5 12h14'],
  user: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 21a8 8 0 0 1 16 0'],
  home: ['M4 11l8-7 8 7', 'M6 10v10h12V10'],
  stop: ['M7 7h10v10H7z'],
  wifi: ['M2 9a15 15 0 0 1 20 0', 'M5.5 12.5a10 10 0 0 1 13 0', 'M9 16a5 5 0 0 1 6 0', 'M12 19.5h.01'],
  clock: ['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z', 'M12 7v5l3 3'],
  arrow: ['M5 12h14', 'M13 6l6 6-6 6'],
};

export function icon(name, extra = {}) {
  return s('svg', { class: `icon icon-${name}`, viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false', ...extra },
    (ICONS[name] || []).map((d) => s('path', { d })));
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Say something to screen readers without moving focus. */
export function announce(text) {
  const region = document.querySelector('[data-slot="announcer"]');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 30);
}

// -- forms ----------------------------------------------------------------------------

/** A labelled field: {id, label, input, hint?}; its error slot has data-testid `error-<name>`. */
export function field({ name, label, input, hint }) {
  const id = input.id || `f-${name}`;
  input.id = id;
  input.name = input.name || name;
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  const errorEl = h('p', { class: 'field-error', id: `${id}-error`, 'data-testid': `error-${name}`, hidden: true });
  input.setAttribute('aria-describedby', [hintEl && hintEl.id, errorEl.id].filter(Boolean).join(' '));
  const wrap = h('div', { class: 'field', 'data-field': name }, h('label', { for: id }, label), input, hintEl, errorEl);
  // Editing a field clears what was said about it.
  input.addEventListener('input', () => {
    if (errorEl.hidden) return;
    errorEl.textContent = '';
    errorEl.hidden = true;
    errorEl.removeAttribute('role');
    input.removeAttribute('aria-invalid');
  });
  return wrap;
}

export function setFieldError(form, name, message) {
  const wrap = form.querySelector(`[data-field="${name}"]`);
  if (!wrap) return false;
  const input = wrap.querySelector('input, textarea, select');
  const errorEl = wrap.querySelector('.field-error');
  if (message) {
    errorEl.textContent = message;
    errorEl.hidden = false;
    errorEl.setAttribute('role', 'alert');
    input && input.setAttribute('aria-invalid', 'true');
  } else {
    errorEl.textContent = '';
    errorEl.hidden = true;
    errorEl.removeAttribute('role');
    input && input.removeAttribute('aria-invalid');
  }
  return true;
}

export function clearFieldErrors(form) {
  form.querySelectorAll('[data-field]').forEach((wrap) => setFieldError(form, wrap.dataset.field, null));
}

/** A message box: kind is 'error', 'warn', 'info' or 'ok'. */
export function notice(kind, ...children) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, children);
}

// -- dialog ---------------------------------------------------------------------------

/**
 * A modal confirmation (native <dialog>: focus stays inside, Escape cancels). Resolves true
 * when confirmed. `body` may be extra nodes (e.g. an input); `onConfirm` may return a promise
 * and throw to keep the dialog open with an error shown.
 */
export function confirmDialog({ title, message, confirmLabel, danger = false, body = null, onConfirm = null, testid = 'confirm-dialog' }) {
  return new Promise((resolve) => {
    const errorEl = h('p', { class: 'field-error', role: 'alert', hidden: true, 'data-testid': 'dialog-error' });
    const confirmBtn = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, 'data-testid': 'confirm-button', value: 'ok' }, confirmLabel);
    const cancelBtn = h('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': 'cancel-button' }, t('cancel'));
    const form = h('form', { method: 'dialog', class: 'dialog-form' },
      h('h2', { class: 'dialog-title', id: 'dialog-title' }, title),
      message ? h('p', { class: 'dialog-message' }, message) : null,
      body,
      errorEl,
      h('div', { class: 'dialog-actions' }, cancelBtn, confirmBtn));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title', 'data-testid': testid }, form);
    let result = false;
    cancelBtn.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (confirmBtn.disabled) return;
      if (onConfirm) {
        confirmBtn.disabled = true;
        confirmBtn.classList.add('is-busy');
        errorEl.hidden = true;
        try {
          await onConfirm();
        } catch (error) {
          confirmBtn.disabled = false;
          confirmBtn.classList.remove('is-busy');
          if (error && (error.handled || error.closeDialog)) { dialog.close(); return; }
          errorEl.textContent = (error && error.message) || t('err_generic');
          errorEl.hidden = false;
          return;
        }
      }
      result = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = dialog.querySelector('input');
    (first || cancelBtn).focus();
  });
}

// -- time -----------------------------------------------------------------------------

export function formatDate(iso, withTime = true) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const options = withTime
    ? { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }
    : { year: 'numeric', month: 'short', day: 'numeric' };
  return new Intl.DateTimeFormat(lang() === 'ko' ? 'ko-KR' : 'en-US', options).format(date);
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const sameDay = new Date().toDateString() === date.toDateString();
  const options = sameDay ? { hour: 'numeric', minute: '2-digit' }
    : { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' };
  return new Intl.DateTimeFormat(lang() === 'ko' ? 'ko-KR' : 'en-US', options).format(date);
}

/** "3 h 5 min", "40 s": a wait in words. */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  if (hours > 0) return t('dur_hm', { h: hours, m: minutes });
  if (minutes > 0) return t('dur_m', { m: minutes + (total % 60 >= 30 ? 1 : 0) });
  return t('dur_s', { s: total });
}

/**
 * Count down `seconds`, calling render(remaining) each second and done() at zero.
 * Returns a function that stops it.
 */
export function countdown(seconds, render, done) {
  let left = Math.max(0, Math.ceil(seconds));
  render(left);
  if (left === 0) { done && done(); return () => {}; }
  const timer = setInterval(() => {
    left -= 1;
    render(left);
    if (left <= 0) {
      clearInterval(timer);
      done && done();
    }
  }, 1000);
  return () => clearInterval(timer);
}

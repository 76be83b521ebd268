// The HTTP API (docs/API.md): JSON in and out, `Authorization: Token <token>`, every error
// as {"error": "..."} with the right status and, for limits, Retry-After.
import { API_BASE_URL } from '../config.js';
import { session } from './store.js';
import { t } from './i18n.js';

const BASE = String(API_BASE_URL || '').replace(/\/+$/, '');
let unauthorized = () => {};

/** Called once for a 401 on a request that carried a token (expired, revoked, deleted). */
export function setUnauthorizedHandler(handler) { unauthorized = handler; }

// The original contract's few fixed English texts (docs/API.md Part 1) stay English on the wire;
// the page says them in the interface's language.
const FIXED_TEXTS = { 'You have exceeded the chat request limit for today.': 'daily_limit_reached' };

export class ApiError extends Error {
  constructor(status, message, { retryAfter = null, data = null } = {}) {
    super(FIXED_TEXTS[message] ? t(FIXED_TEXTS[message]) : message);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfter = retryAfter;
    this.data = data;
    this.handled = false;
  }
}

/** The request never got an answer: offline, the server down, or too slow. */
export class NetworkError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NetworkError';
  }
}

/** Retry-After as seconds (it may be a number of seconds or an HTTP date), or null. */
export function parseRetryAfter(value) {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const when = Date.parse(text);
  if (Number.isFinite(when)) return Math.max(0, Math.round((when - Date.now()) / 1000));
  return null;
}

export function newIdempotencyKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function apiUrl(path) { return BASE + path; }

/**
 * One request. Resolves {status, data, headers} for 2xx; throws ApiError (with the API's own
 * `error` text) or NetworkError. A 401 on a request that carried a token also calls the
 * unauthorized handler (the app sends the user to log in) and marks the error handled.
 */
export async function api(method, path, { body, auth = true, headers = {}, timeoutMs = 60000 } = {}) {
  const sent = { Accept: 'application/json', ...headers };
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  const token = auth ? session.token() : null;
  if (token) sent.Authorization = `Token ${token}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  let text = '';
  try {
    response = await fetch(BASE + path, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      cache: 'no-store',
      credentials: 'omit',
    });
    text = await response.text();
  } catch (error) {
    throw new NetworkError(error && error.name === 'AbortError' ? t('err_timeout') : t('err_network'));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (response.ok) return { status: response.status, data: data || {}, headers: response.headers };
  const message = (data && typeof data.error === 'string' && data.error.trim())
    || t('err_status', { status: response.status });
  const error = new ApiError(response.status, message, {
    retryAfter: parseRetryAfter(response.headers.get('Retry-After')),
    data,
  });
  if (response.status === 401 && token) {
    error.handled = true;
    unauthorized(error);
  }
  throw error;
}

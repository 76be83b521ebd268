// One interview: chat bubbles, typed or spoken answers, replies read aloud, and every way a
// turn can fail told plainly with what to do. An answer is sent once per Idempotency-Key, so
// a retry (after a 503, a 409 or a lost connection) never costs a second chat.
import { api, ApiError, NetworkError, newIdempotencyKey } from '../api.js';
import { t, topicTitle, languageName } from '../i18n.js';
import { prefs, drafts, audioLinks, linkExpired } from '../store.js';
import { h, icon, confirmDialog, formatTime, formatDuration, countdown, announce } from '../ui.js';

export const ANSWER_MAX = 4000; // user_input: 1-4000 characters after trimming (docs/API.md)
const PAGE = 200;

const chars = (text) => [...text].length; // the API counts characters (code points), not UTF-16 units

export async function render(root, { id }, ctx) {
  const stops = [];
  const enc = encodeURIComponent(id);
  let interview = null;
  let messages = [];
  let topicsData = null;
  try { topicsData = await ctx.topics(); } catch { topicsData = null; }

  // -- load the interview with all its messages ---------------------------------------
  const loading = h('p', { class: 'muted loading-line' }, t('loading'));
  root.append(loading);
  try {
    let cursor = null;
    do {
      const query = `?limit=${PAGE}${cursor ? `&next=${encodeURIComponent(cursor)}` : ''}`;
      const { data } = await api('GET', `/api/interviews/${enc}/${query}`);
      interview = data.interview;
      messages = messages.concat(data.messages || []);
      cursor = data.messages_next || null;
    } while (cursor && ctx.alive());
  } catch (error) {
    if (!ctx.alive() || (error && error.handled)) return undefined;
    loading.remove();
    ctx.setTitle(t('interview_title'));
    const gone = error instanceof ApiError && (error.status === 404 || error.status === 400);
    root.append(h('section', { class: 'card empty-card' },
      h('h1', {}, gone ? t('interview_missing_title') : t('interview_title')),
      h('p', { role: 'alert' }, gone ? t('interview_missing') : error.message),
      h('div', { class: 'form-actions' },
        gone ? null : h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => ctx.go(location.hash) }, t('retry')),
        h('a', { class: 'btn btn-primary', href: '#/' }, t('back_home')))));
    return undefined;
  }
  if (!ctx.alive()) return undefined;
  loading.remove();
  const title = topicTitle(interview.topic, topicsData);
  ctx.setTitle(title);

  // -- audio: one player; each reply can be replayed; mute is remembered ---------------
  let muted = prefs.muted();
  const player = h('audio', { preload: 'none', 'data-testid': 'reply-audio' });
  let speakingBubble = null;
  const setSpeaking = (bubble) => {
    if (speakingBubble) speakingBubble.classList.remove('is-speaking');
    speakingBubble = bubble;
    if (bubble) bubble.classList.add('is-speaking');
  };
  player.addEventListener('ended', () => setSpeaking(null));
  player.addEventListener('pause', () => setSpeaking(null));
  player.addEventListener('error', () => {
    if (speakingBubble || player.dataset.bubble) {
      const bubble = speakingBubble || root.querySelector(`[data-msg="${player.dataset.bubble}"]`);
      if (bubble) markAudioFailed(bubble);
    }
    setSpeaking(null);
  });
  stops.push(() => { player.pause(); player.removeAttribute('src'); });

  function play(url, bubble, { force = false } = {}) {
    if (!url) return;
    if (player.getAttribute('src') !== url) player.src = url;
    player.dataset.bubble = bubble ? bubble.dataset.msg : '';
    if (muted && !force) return;
    try { player.currentTime = 0; } catch { /* not loaded yet */ }
    setSpeaking(bubble);
    const started = player.play();
    if (started && started.catch) started.catch(() => setSpeaking(null)); // autoplay refused: the replay button is there
  }

  function markAudioFailed(bubble) {
    const foot = bubble.querySelector('.msg-foot');
    if (!foot || foot.querySelector('.audio-note')) return;
    const replay = foot.querySelector('[data-testid="replay-button"]');
    if (replay) replay.remove();
    foot.prepend(h('span', { class: 'audio-note', 'data-testid': 'audio-note' }, t('audio_failed')));
  }

  // -- head -------------------------------------------------------------------------
  const statusChip = h('span', { class: 'chip', 'data-testid': 'interview-status' });
  const answersMeta = h('span', { class: 'iv-turns' });
  const muteButton = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-testid': 'mute-toggle' });
  const endButton = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-testid': 'end-button' }, icon('report'), h('span', {}, t('end_and_report')));
  const deleteButton = h('button', { type: 'button', class: 'btn btn-ghost btn-sm btn-icon-text', 'data-testid': 'delete-interview' }, icon('trash'), h('span', { class: 'hide-narrow' }, t('delete')));
  deleteButton.setAttribute('aria-label', t('delete_interview'));

  function renderMute() {
    muteButton.replaceChildren(icon(muted ? 'muted' : 'speaker'), h('span', {}, muted ? t('sound_off') : t('sound_on')));
    muteButton.setAttribute('aria-pressed', String(muted));
    muteButton.setAttribute('aria-label', t('mute_label'));
    muteButton.title = muted ? t('unmute_hint') : t('mute_hint');
  }
  muteButton.addEventListener('click', () => {
    muted = !muted;
    prefs.setMuted(muted);
    if (muted) player.pause();
    renderMute();
    announce(muted ? t('sound_off') : t('sound_on'));
  });
  renderMute();

  function renderHead() {
    const finished = interview.status === 'finished';
    statusChip.className = `chip ${finished ? 'chip-done' : 'chip-active'}`;
    statusChip.textContent = finished ? t('status_finished') : t('status_active');
    answersMeta.textContent = t('answers_count', { n: interview.turns });
    endButton.hidden = finished || !interview.turns;
  }

  const head = h('section', { class: 'iv-head' },
    h('div', { class: 'iv-head-main' },
      h('p', { class: 'kicker' }, t('interview_kicker')),
      h('h1', { 'data-testid': 'interview-title' }, title),
      h('div', { class: 'iv-meta' },
        h('span', { class: 'chip chip-lang', lang: interview.language }, languageName(interview.language)),
        statusChip, answersMeta,
        h('time', { datetime: interview.created_at }, formatTime(interview.created_at)))),
    h('div', { class: 'iv-tools' }, muteButton, endButton, deleteButton));
  if (interview.job_description) {
    head.querySelector('.iv-head-main').append(h('details', { class: 'job-view' },
      h('summary', {}, t('job_summary_view')), h('p', {}, interview.job_description)));
  }
  renderHead();

  // -- messages ---------------------------------------------------------------------
  const log = h('div', { class: 'chat', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': t('conversation'), 'data-testid': 'messages' });
  let msgSeq = 0;

  function bubble(role, text, { audioUrl = null, audioError = null, at = null, pending = false } = {}) {
    const msgId = `m${msgSeq += 1}`;
    const foot = h('div', { class: 'msg-foot' });
    const el = h('div', { class: `msg msg-${role}${pending ? ' is-pending' : ''}`, 'data-testid': `message-${role}`, 'data-msg': msgId },
      role === 'assistant' ? h('div', { class: 'avatar', 'aria-hidden': 'true' }, 'AI') : null,
      h('div', { class: 'bubble' },
        h('span', { class: 'sr-only' }, role === 'assistant' ? t('interviewer_says') : t('you_said')),
        h('p', { class: 'msg-text' }, text),
        foot));
    if (role === 'assistant' && audioUrl && !linkExpired(audioUrl)) {
      foot.append(h('button', {
        type: 'button', class: 'btn-replay', 'data-testid': 'replay-button', 'aria-label': t('replay'), title: t('replay'),
        onclick: () => play(audioUrl, el, { force: true }),
      }, icon('replay'), h('span', {}, t('replay_short'))));
    } else if (role === 'assistant' && audioError) {
      foot.append(h('span', { class: 'audio-note', 'data-testid': 'audio-note' }, audioError));
    }
    if (at) foot.append(h('time', { datetime: at }, formatTime(at)));
    if (pending) foot.append(h('span', { class: 'msg-state', 'data-testid': 'message-state' }, t('sending')));
    return el;
  }

  function setBubbleState(el, state) {
    const label = el.querySelector('.msg-state');
    el.classList.toggle('is-pending', Boolean(state));
    el.classList.toggle('is-failed', state === 'failed');
    if (!state) {
      if (label) label.remove();
      const foot = el.querySelector('.msg-foot');
      if (foot && !foot.querySelector('time')) {
        const now = new Date().toISOString();
        foot.append(h('time', { datetime: now }, formatTime(now)));
      }
      return;
    }
    if (label) label.textContent = state === 'failed' ? t('not_sent') : state === 'offline' ? t('waiting_connection') : t('sending');
  }

  const links = audioLinks.all(id);
  let assistantIndex = 0;
  const opening = ctx.stash.get(`opening:${id}`);
  ctx.stash.delete(`opening:${id}`);
  if (opening && opening.audio_url) audioLinks.set(id, 0, opening.audio_url);
  messages.forEach((message) => {
    if (message.role === 'assistant') {
      const url = (assistantIndex === 0 && opening && opening.audio_url) || links[assistantIndex] || null;
      const audioError = assistantIndex === 0 && opening ? opening.audio_error : null;
      log.append(bubble('assistant', message.content, { audioUrl: url, audioError, at: message.created_at }));
      assistantIndex += 1;
    } else {
      log.append(bubble('user', message.content, { at: message.created_at }));
    }
  });

  const thinking = h('div', { class: 'msg msg-assistant msg-thinking', 'data-testid': 'thinking', hidden: true },
    h('div', { class: 'avatar', 'aria-hidden': 'true' }, 'AI'),
    h('div', { class: 'bubble' }, h('span', { class: 'dots', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')),
      h('span', { class: 'thinking-text' }, t('thinking'))));

  // -- banner: errors, offline, limits -------------------------------------------------
  const banner = h('div', { class: 'chat-banner', 'data-testid': 'chat-banner' });
  let bannerKind = null;
  let stopCountdown = null;
  stops.push(() => stopCountdown && stopCountdown());
  function clearBanner() {
    if (stopCountdown) { stopCountdown(); stopCountdown = null; }
    banner.replaceChildren();
    bannerKind = null;
  }
  function showBanner(kind, testid, ...children) {
    clearBanner();
    bannerKind = kind;
    banner.append(h('div', { class: `notice notice-${kind === 'offline' ? 'warn' : kind}`, role: 'alert', 'data-testid': testid }, children));
  }

  // -- composer ---------------------------------------------------------------------
  const textarea = h('textarea', {
    id: 'answer', rows: 3, 'data-testid': 'answer-input', placeholder: t('answer_placeholder'),
    'aria-describedby': 'answer-help answer-counter answer-error', enterkeyhint: 'send',
  });
  const counter = h('span', { class: 'counter', id: 'answer-counter', 'data-testid': 'answer-counter' });
  const answerError = h('p', { class: 'field-error', id: 'answer-error', 'data-testid': 'answer-error', hidden: true });
  const sendButton = h('button', { type: 'submit', class: 'btn btn-primary btn-send', 'data-testid': 'send-button' }, icon('send'), h('span', {}, t('send')));
  const SpeechRecognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  const micButton = SpeechRecognition && interview.speech_lang
    ? h('button', { type: 'button', class: 'btn btn-secondary btn-mic', 'data-testid': 'mic-button', 'aria-pressed': 'false' }, icon('mic'), h('span', { class: 'mic-label' }, t('mic_start')))
    : null;
  const composerQuota = h('span', { class: 'composer-quota', 'data-testid': 'composer-quota' });
  function renderComposerQuota() {
    const q = ctx.quota;
    if (!q) { composerQuota.textContent = ''; return; }
    composerQuota.textContent = t('chats_left_short', { remaining: q.remaining, limit: q.limit });
    composerQuota.classList.toggle('is-empty', q.remaining <= 0);
  }
  const micStatus = h('p', { class: 'mic-status', 'aria-live': 'polite', 'data-testid': 'mic-status' });
  const composer = h('form', { class: 'composer', novalidate: true, 'data-testid': 'composer' },
    h('label', { for: 'answer', class: 'composer-label' }, t('your_answer')),
    textarea,
    answerError,
    h('div', { class: 'composer-bar' },
      h('p', { class: 'composer-help', id: 'answer-help' }, t('answer_help', { max: ANSWER_MAX.toLocaleString() })),
      counter,
      composerQuota,
      h('div', { class: 'composer-buttons' }, micButton, sendButton)),
    micStatus);

  const finishedPanel = h('section', { class: 'finished-panel', 'data-testid': 'finished-panel', hidden: true });

  root.append(head, h('div', { class: 'chat-wrap' }, log, thinking, banner, composer, finishedPanel), player);

  // -- drafts: what is typed survives reloads and failures -------------------------------
  const draft = drafts.get(id) || { value: '', sent: null };
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  if (draft.sent && lastUser && lastUser.content.trim() === draft.sent.text) draft.sent = null; // it was answered
  if (draft.sent && !draft.value) draft.value = draft.sent.text; // sent, never answered: offer it again (same key)
  textarea.value = draft.value || '';
  drafts.set(id, draft);

  function saveDraft() {
    const current = drafts.get(id) || {};
    drafts.set(id, { value: textarea.value, sent: current.sent || null });
  }

  function updateCounter() {
    const n = chars(textarea.value.trim());
    counter.textContent = `${n.toLocaleString()} / ${ANSWER_MAX.toLocaleString()}`;
    const over = n > ANSWER_MAX;
    counter.classList.toggle('is-over', over);
    counter.classList.toggle('is-near', !over && n > ANSWER_MAX * 0.9);
    if (over) showAnswerError(t('answer_too_long', { over: (n - ANSWER_MAX).toLocaleString(), max: ANSWER_MAX.toLocaleString() }));
    else if (answerError.dataset.kind === 'length') showAnswerError('');
  }
  function showAnswerError(text, kind = 'length') {
    answerError.textContent = text;
    answerError.hidden = !text;
    answerError.dataset.kind = text ? kind : '';
    if (text) { answerError.setAttribute('role', 'alert'); textarea.setAttribute('aria-invalid', 'true'); }
    else { answerError.removeAttribute('role'); textarea.removeAttribute('aria-invalid'); }
  }
  textarea.addEventListener('input', () => {
    updateCounter();
    saveDraft();
    if (answerError.dataset.kind && answerError.dataset.kind !== 'length') showAnswerError('');
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submit();
  });
  composer.addEventListener('submit', (event) => { event.preventDefault(); submit(); });
  updateCounter();

  // -- sending --------------------------------------------------------------------------
  let pending = null; // {text, key, el}: sent, not yet answered
  let inFlight = false;
  let retryTimer = null;
  let retryDelay = 2;
  stops.push(() => clearTimeout(retryTimer));

  function setBusy() {
    const busy = inFlight || Boolean(pending);
    sendButton.disabled = busy;
    sendButton.classList.toggle('is-busy', inFlight);
    composer.classList.toggle('is-busy', busy);
    if (inFlight && thinking.hidden) announce(t('thinking'));
    thinking.hidden = !inFlight;
    if (inFlight) thinking.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  function submit() {
    if (inFlight || pending) {
      if (pending && !inFlight) announce(t('retry_pending_first'));
      return;
    }
    if (interview.status === 'finished') return;
    const text = textarea.value.trim();
    if (!text) { showAnswerError(t('answer_empty'), 'empty'); textarea.focus(); return; }
    if (chars(text) > ANSWER_MAX) { updateCounter(); textarea.focus(); return; }
    if (listening) stopListening();
    const saved = drafts.get(id) || {};
    const key = saved.sent && saved.sent.text === text && saved.sent.key ? saved.sent.key : newIdempotencyKey();
    drafts.set(id, { value: '', sent: { text, key } });
    const el = bubble('user', text, { pending: true });
    log.append(el);
    pending = { text, key, el };
    textarea.value = '';
    updateCounter();
    showAnswerError('');
    attempt();
  }

  async function attempt() {
    if (inFlight || !pending || !ctx.alive()) return;
    clearTimeout(retryTimer);
    inFlight = true;
    if (bannerKind !== 'offline') clearBanner();
    setBubbleState(pending.el, bannerKind === 'offline' ? 'offline' : 'sending');
    setBusy();
    const sending = pending;
    try {
      const { data } = await api('POST', `/api/interviews/${enc}/messages/`, {
        body: { user_input: sending.text }, headers: { 'Idempotency-Key': sending.key },
      });
      const current = drafts.get(id) || {};
      drafts.set(id, { value: current.value || '', sent: null });
      if (!ctx.alive()) return;
      inFlight = false;
      pending = null;
      retryDelay = 2;
      clearBanner();
      setBubbleState(sending.el, null);
      if (data.interview) interview = data.interview;
      else interview.turns += 1;
      ctx.setQuota(data);
      renderComposerQuota();
      if (data.audio_url) audioLinks.set(id, assistantIndex, data.audio_url);
      const reply = bubble('assistant', typeof data.response === 'string' ? data.response : '', {
        audioUrl: data.audio_url, audioError: data.audio_url ? null : data.audio_error, at: new Date().toISOString(),
      });
      assistantIndex += 1;
      log.append(reply);
      reply.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      renderHead();
      if (data.audio_url) play(data.audio_url, reply);
      if (interview.status === 'finished') showFinished();
      else textarea.focus({ preventScroll: true });
    } catch (error) {
      if (!ctx.alive()) return;
      inFlight = false;
      await handleError(error, sending);
    } finally {
      if (ctx.alive()) { inFlight = false; setBusy(); }
    }
  }

  /** Give the unsent answer back to the text box (nothing typed is lost) and forget it as pending. */
  function returnToComposer(sending, { keepKey = true } = {}) {
    sending.el.remove();
    const typed = textarea.value.trim();
    textarea.value = typed ? `${sending.text}\n\n${typed}` : sending.text;
    drafts.set(id, { value: textarea.value, sent: keepKey ? { text: sending.text, key: sending.key } : null });
    pending = null;
    updateCounter();
  }

  function retryControls(seconds, { auto = false } = {}) {
    const hint = h('span', { class: 'retry-hint', 'data-testid': 'retry-hint' });
    const retry = h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-testid': 'retry-button', disabled: seconds > 0 }, icon('replay'), h('span', {}, t('retry')));
    const edit = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-testid': 'edit-button' }, t('edit_answer'));
    retry.addEventListener('click', () => attempt());
    edit.addEventListener('click', () => {
      if (!pending || inFlight) return;
      returnToComposer(pending);
      clearBanner();
      setBusy();
      textarea.focus();
    });
    const run = () => {
      stopCountdown = countdown(seconds, (left) => {
        retry.disabled = left > 0;
        hint.textContent = left > 0 ? t(auto ? 'auto_retry_in' : 'retry_in', { s: left }) : (auto ? '' : t('retry_now'));
      }, () => { if (auto) attempt(); });
    };
    return { nodes: h('div', { class: 'notice-actions' }, hint, retry, edit), start: run };
  }

  async function handleError(error, sending) {
    if (error && error.handled) return; // 401: on the way to log in; the draft is kept
    if (error instanceof NetworkError) {
      setBubbleState(sending.el, 'offline');
      showBanner('offline', 'offline-banner', icon('wifi'),
        h('div', {}, h('strong', {}, t('offline_title')), h('p', {}, t('offline_body'))));
      retryTimer = setTimeout(() => attempt(), retryDelay * 1000);
      retryDelay = Math.min(30, retryDelay * 2);
      return;
    }
    if (!(error instanceof ApiError)) {
      setBubbleState(sending.el, 'failed');
      const controls = retryControls(0);
      showBanner('error', 'chat-error', h('div', {}, h('p', {}, t('err_generic'))), controls.nodes);
      controls.start();
      return;
    }
    const { status } = error;
    if (status === 409) {
      // Finished (start a new one), or another answer / the same key still being processed (wait, retry).
      let finished = false;
      try {
        const { data } = await api('GET', `/api/interviews/${enc}/?limit=1`);
        if (data.interview) { interview = data.interview; finished = interview.status === 'finished'; }
      } catch { /* keep what we know */ }
      if (!ctx.alive()) return;
      if (finished) {
        // The answer cannot go in any more: keep it on screen (to copy) rather than in a hidden box.
        sending.el.remove();
        pending = null;
        drafts.set(id, { value: '', sent: null });
        renderHead();
        showFinished();
        showBanner('info', 'chat-error', h('div', {}, h('p', {}, error.message),
          h('p', { class: 'notice-sub' }, t('unsent_kept')),
          h('blockquote', { class: 'unsent', 'data-testid': 'unsent-answer' }, sending.text)));
        return;
      }
      setBubbleState(sending.el, 'failed');
      const controls = retryControls(error.retryAfter || 3, { auto: true });
      showBanner('warn', 'chat-error', h('div', {}, h('p', {}, error.message)), controls.nodes);
      controls.start();
      return;
    }
    if (status === 503 || status === 500 || status === 502 || status === 504) {
      setBubbleState(sending.el, 'failed');
      const controls = retryControls(error.retryAfter ?? 5);
      showBanner('error', 'chat-error', h('div', {}, h('p', { 'data-testid': 'chat-error-text' }, error.message), h('p', { class: 'notice-sub' }, t('retry_safe'))), controls.nodes);
      controls.start();
      return;
    }
    if (status === 429) {
      returnToComposer(sending);
      const me = await ctx.refreshQuota();
      if (!ctx.alive()) return;
      renderComposerQuota();
      const resets = (me && me.resets_at) || (ctx.quota && ctx.quota.resets_at);
      const wait = error.retryAfter ? formatDuration(error.retryAfter) : null;
      showBanner('warn', 'limit-message', icon('clock'), h('div', {},
        h('p', {}, h('strong', {}, error.message)),
        h('p', { class: 'notice-sub' }, resets ? t('limit_until', { time: formatTime(resets), wait: wait || formatDuration((Date.parse(resets) - Date.now()) / 1000) }) : (wait ? t('try_again_in', { wait }) : '')),
        h('p', { class: 'notice-sub' }, t('limit_kept'))));
      return;
    }
    if (status === 404) {
      returnToComposer(sending);
      showBanner('error', 'chat-error', h('p', {}, t('interview_missing')), h('a', { class: 'btn btn-secondary btn-sm', href: '#/' }, t('back_home')));
      return;
    }
    // 400, 413, 422 and anything else: the answer goes back to the box with the API's reason.
    returnToComposer(sending, { keepKey: status !== 422 });
    showAnswerError(error.message, 'api');
    textarea.focus();
  }

  const onOnline = () => {
    if (bannerKind === 'offline') {
      if (pending && !inFlight) { retryDelay = 2; attempt(); } else if (!pending) clearBanner();
    }
  };
  const onOffline = () => {
    if (bannerKind !== 'offline' && !bannerKind) {
      showBanner('offline', 'offline-banner', icon('wifi'),
        h('div', {}, h('strong', {}, t('offline_title')), h('p', {}, t('offline_idle'))));
    }
  };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  stops.push(() => { window.removeEventListener('online', onOnline); window.removeEventListener('offline', onOffline); });

  // -- speech recognition -------------------------------------------------------------
  let recognition = null;
  let listening = false;
  function stopListening() {
    if (recognition) { try { recognition.stop(); } catch { /* already stopped */ } }
  }
  function renderMic() {
    if (!micButton) return;
    micButton.setAttribute('aria-pressed', String(listening));
    micButton.classList.toggle('is-listening', listening);
    micButton.replaceChildren(icon(listening ? 'stop' : 'mic'), h('span', { class: 'mic-label' }, listening ? t('mic_stop') : t('mic_start')));
  }
  if (micButton) {
    micButton.addEventListener('click', () => {
      if (listening) { stopListening(); return; }
      try {
        recognition = new SpeechRecognition();
      } catch {
        micStatus.textContent = t('mic_unavailable');
        return;
      }
      recognition.lang = interview.speech_lang;
      recognition.interimResults = true;
      recognition.continuous = true;
      const base = textarea.value && !/\s$/.test(textarea.value) ? `${textarea.value} ` : textarea.value;
      recognition.onstart = () => { listening = true; renderMic(); micStatus.textContent = t('mic_listening', { lang: languageName(interview.language) }); };
      recognition.onresult = (event) => {
        let finalText = '';
        let interim = '';
        for (let i = 0; i < event.results.length; i += 1) {
          const piece = event.results[i][0].transcript;
          if (event.results[i].isFinal) finalText += piece; else interim += piece;
        }
        textarea.value = base + finalText + interim;
        updateCounter();
        saveDraft();
      };
      recognition.onerror = (event) => {
        const messagesByCode = { 'not-allowed': 'mic_denied', 'service-not-allowed': 'mic_denied', 'no-speech': 'mic_no_speech', network: 'mic_network', 'audio-capture': 'mic_no_device', 'language-not-supported': 'mic_unavailable' };
        micStatus.textContent = t(messagesByCode[event.error] || 'mic_unavailable');
      };
      recognition.onend = () => {
        listening = false;
        renderMic();
        if (micStatus.textContent === t('mic_listening', { lang: languageName(interview.language) })) micStatus.textContent = '';
        textarea.focus({ preventScroll: true });
      };
      try { recognition.start(); } catch { micStatus.textContent = t('mic_unavailable'); }
    });
    stops.push(() => { if (recognition) { recognition.onend = null; stopListening(); } });
    renderMic();
  }

  // -- finished -------------------------------------------------------------------------
  function showFinished() {
    composer.hidden = true;
    finishedPanel.hidden = false;
    const again = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'again-button' }, icon('replay'), h('span', {}, t('practise_again')));
    const againError = h('p', { class: 'field-error', role: 'alert', hidden: true, 'data-testid': 'again-error' });
    again.addEventListener('click', async () => {
      if (again.disabled) return;
      again.disabled = true;
      again.classList.add('is-busy');
      againError.hidden = true;
      const body = { topic: interview.topic, language: interview.language };
      if (interview.job_description) body.job_description = interview.job_description;
      try {
        const { data } = await api('POST', '/api/interviews/', { body, headers: { 'Idempotency-Key': again.dataset.key || (again.dataset.key = newIdempotencyKey()) } });
        ctx.setQuota(data);
        const newId = data.interview_id || data.interview.id;
        ctx.stash.set(`opening:${newId}`, data);
        ctx.go(`#/interview/${newId}`);
      } catch (error) {
        if (!ctx.alive() || error.handled) return;
        let text = error.message;
        if (error instanceof ApiError && error.status === 429 && ctx.quota && ctx.quota.resets_at) text += ` ${t('limit_resets', { time: formatTime(ctx.quota.resets_at) })}`;
        if (error instanceof ApiError && error.status !== 503 && error.status !== 409) delete again.dataset.key;
        againError.textContent = text;
        againError.hidden = false;
      } finally {
        again.disabled = false;
        again.classList.remove('is-busy');
      }
    });
    finishedPanel.replaceChildren(
      h('div', { class: 'finished-icon', 'aria-hidden': 'true' }, '✓'),
      h('h2', {}, t('finished_title')),
      h('p', {}, t('finished_body')),
      h('div', { class: 'form-actions' },
        h('a', { class: 'btn btn-primary', href: `#/report/${id}`, 'data-testid': 'report-link' }, icon('report'), h('span', {}, interview.has_report ? t('see_report') : t('get_report'))),
        again,
        h('a', { class: 'btn btn-ghost', href: `#/?lang=${interview.language}`, 'data-testid': 'new-interview-link' }, icon('plus'), h('span', {}, t('new_interview')))),
      againError);
    announce(t('finished_title'));
  }

  // -- end early, delete ------------------------------------------------------------------
  endButton.addEventListener('click', async () => {
    const ok = await confirmDialog({ title: t('end_title'), message: t('end_body'), confirmLabel: t('end_confirm') });
    if (ok && ctx.alive()) ctx.go(`#/report/${id}?end=1`);
  });
  deleteButton.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: t('delete_interview_title'),
      message: t('delete_interview_body', { topic: title, date: formatTime(interview.created_at) }),
      confirmLabel: t('delete'),
      danger: true,
      onConfirm: () => api('DELETE', `/api/interviews/${enc}/`).catch((error) => {
        if (error instanceof ApiError && error.status === 404) return;
        throw error;
      }),
    });
    if (!ok) return;
    drafts.clear(id);
    ctx.flash(t('interview_deleted'), 'ok', { next: true });
    ctx.go('#/');
  });

  // -- start ----------------------------------------------------------------------------
  renderComposerQuota();
  if (!ctx.quota) ctx.refreshQuota().then(() => { if (ctx.alive()) renderComposerQuota(); });
  if (interview.status === 'finished') showFinished();
  setBusy();
  const lastBubble = log.lastElementChild;
  if (lastBubble) lastBubble.scrollIntoView({ block: 'nearest' });
  if (opening && opening.audio_url && log.querySelector('.msg-assistant')) play(opening.audio_url, log.querySelector('.msg-assistant'));
  if (interview.status !== 'finished') textarea.focus({ preventScroll: true });
  if (navigator.onLine === false) onOffline();

  return () => stops.forEach((stop) => stop());
}

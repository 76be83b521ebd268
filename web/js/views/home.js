// Home: start an interview, today's chats (in the header), scores over time, and past
// interviews newest first, a page at a time with the API's `next` cursor.
import { api, ApiError, NetworkError, newIdempotencyKey } from '../api.js';
import { t, lang, topicTitle, languageName } from '../i18n.js';
import { h, icon, field, setFieldError, clearFieldErrors, confirmDialog, formatDate, formatDuration, formatTime, notice, countdown, announce } from '../ui.js';
import { scoreLineChart, emptyChart } from '../charts.js';

const PAGE_SIZE = 10;
const TOPIC_MAX = 100;
const JOB_MAX = 4000;
const OTHER = '__other__';

export async function render(root, _params, ctx) {
  ctx.setTitle(t('home_title'));
  const stops = [];
  const reports = new Map(); // interview id -> report (or null when it could not be read)
  const interviews = [];
  let topicsData = null;
  let next = null;

  // -- greeting ---------------------------------------------------------------------
  const hello = h('h1', {}, t('home_hello'));
  root.append(h('section', { class: 'page-head' }, hello, h('p', { class: 'lead' }, t('home_lead'))));
  const profileReady = ctx.refreshQuota().then((me) => {
    if (me && me.username && ctx.alive()) hello.textContent = t('home_hello_name', { name: me.username });
  });

  // -- start form -------------------------------------------------------------------
  const topicSelect = h('select', { 'data-testid': 'topic-select' });
  const customTopic = h('input', { type: 'text', maxlength: String(TOPIC_MAX), placeholder: t('topic_custom_placeholder'), 'data-testid': 'topic-custom' });
  const customField = field({ name: 'custom', label: t('topic_custom'), input: customTopic, hint: t('topic_custom_hint') });
  customField.hidden = true;
  const langName = 'start-language';
  const langRadio = (code) => h('label', { class: 'radio-pill' },
    h('input', { type: 'radio', name: langName, value: code, 'data-testid': `start-lang-${code}` }),
    h('span', {}, languageName(code)));
  const langGroup = h('fieldset', { class: 'field radio-group', 'data-field': 'language' },
    h('legend', {}, t('interview_language')),
    h('div', { class: 'radio-row' }, langRadio('ko'), langRadio('en')),
    h('p', { class: 'field-hint' }, t('interview_language_hint')),
    h('p', { class: 'field-error', hidden: true, 'data-testid': 'error-language' }));
  const job = h('textarea', { rows: 4, maxlength: String(JOB_MAX), placeholder: t('job_placeholder'), 'data-testid': 'job-input' });
  const jobCounter = h('span', { class: 'counter', 'aria-live': 'off' }, `0 / ${JOB_MAX.toLocaleString()}`);
  job.addEventListener('input', () => { jobCounter.textContent = `${job.value.length.toLocaleString()} / ${JOB_MAX.toLocaleString()}`; });
  const jobDetails = h('details', { class: 'job-details' },
    h('summary', {}, t('job_summary')),
    field({ name: 'job', label: t('job_label'), input: job, hint: t('job_hint') }),
    jobCounter);
  const startError = h('div', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'start-error' });
  const startButton = h('button', { type: 'submit', class: 'btn btn-primary btn-lg', 'data-testid': 'start-button' }, icon('arrow'), t('start_button'));
  const startForm = h('form', { class: 'start-form', novalidate: true, 'data-testid': 'start-form' },
    field({ name: 'topic', label: t('topic'), input: topicSelect }),
    customField,
    langGroup,
    jobDetails,
    startError,
    h('div', { class: 'form-actions' }, startButton));

  const prefillTopic = ctx.query.get('topic');
  const prefillLang = ctx.query.get('lang');
  const defaultLang = prefillLang === 'ko' || prefillLang === 'en' ? prefillLang : lang();
  startForm.querySelector(`input[value="${defaultLang}"]`).checked = true;

  topicSelect.addEventListener('change', () => {
    customField.hidden = topicSelect.value !== OTHER;
    if (!customField.hidden) customTopic.focus();
  });

  const startCard = h('section', { class: 'card start-card', 'aria-labelledby': 'start-title' },
    h('h2', { id: 'start-title' }, t('start_title')),
    h('p', { class: 'muted' }, t('start_lead')),
    startForm);

  // -- chart ------------------------------------------------------------------------
  const chartBody = h('div', { class: 'chart-body' }, h('p', { class: 'muted' }, t('loading')));
  const chartCard = h('section', { class: 'card chart-card', 'aria-labelledby': 'chart-title', 'data-testid': 'score-chart-card' },
    h('h2', { id: 'chart-title' }, t('progress_title')),
    chartBody);

  // -- history ----------------------------------------------------------------------
  const list = h('ul', { class: 'iv-list', 'data-testid': 'interview-list' });
  const listStatus = h('div', { class: 'list-status' });
  const moreButton = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true, 'data-testid': 'more-button' }, t('more'));
  const historyCard = h('section', { class: 'card history-card', 'aria-labelledby': 'history-title' },
    h('div', { class: 'card-head' }, h('h2', { id: 'history-title' }, t('history_title'))),
    list, listStatus, h('div', { class: 'list-more' }, moreButton));

  root.append(h('div', { class: 'home-grid' }, startCard, chartCard), historyCard);

  // -- topics -----------------------------------------------------------------------
  function fillTopics() {
    topicSelect.replaceChildren();
    const builtIn = (topicsData && topicsData.topics) || [];
    const group = h('optgroup', { label: t('topics_builtin') },
      builtIn.map((topic) => h('option', { value: topic.id }, topicTitle(topic.id, topicsData))));
    topicSelect.append(group, h('option', { value: OTHER }, t('topic_other')));
    if (prefillTopic && builtIn.some((x) => x.id === prefillTopic)) topicSelect.value = prefillTopic;
    else if (prefillTopic) { topicSelect.value = OTHER; customTopic.value = prefillTopic; }
    else if (builtIn.length) topicSelect.value = builtIn.some((x) => x.id === 'general') ? 'general' : builtIn[0].id;
    else topicSelect.value = OTHER;
    customField.hidden = topicSelect.value !== OTHER;
  }
  try {
    topicsData = await ctx.topics();
  } catch {
    topicsData = null; // free text still works
  }
  if (!ctx.alive()) return undefined;
  fillTopics();

  // -- starting ---------------------------------------------------------------------
  let startAttempt = null; // {body, key}: a retry of the same request reuses its key
  let starting = false;
  let stopStartCountdown = null;
  stops.push(() => stopStartCountdown && stopStartCountdown());

  function showStartError(message, extra = null) {
    startError.replaceChildren(h('span', {}, message), extra || '');
    startError.hidden = !message;
  }

  startForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (starting) return;
    clearFieldErrors(startForm);
    showStartError('');
    const topic = (topicSelect.value === OTHER ? customTopic.value : topicSelect.value).trim();
    const language = (startForm.querySelector(`input[name="${langName}"]:checked`) || {}).value || lang();
    const jobText = job.value.trim();
    if (!topic) {
      setFieldError(startForm, topicSelect.value === OTHER ? 'custom' : 'topic', t('topic_required'));
      (topicSelect.value === OTHER ? customTopic : topicSelect).focus();
      return;
    }
    if (topic.length > TOPIC_MAX) { setFieldError(startForm, 'custom', t('too_long', { max: TOPIC_MAX })); return; }
    if (jobText.length > JOB_MAX) { setFieldError(startForm, 'job', t('too_long', { max: JOB_MAX })); return; }
    const body = { topic, language };
    if (jobText) body.job_description = jobText;
    const signature = JSON.stringify(body);
    if (!startAttempt || startAttempt.signature !== signature) startAttempt = { signature, key: newIdempotencyKey() };
    starting = true;
    startButton.disabled = true;
    startButton.classList.add('is-busy');
    startButton.lastChild.textContent = t('starting');
    try {
      const { data } = await api('POST', '/api/interviews/', { body, headers: { 'Idempotency-Key': startAttempt.key } });
      ctx.setQuota(data);
      const id = data.interview_id || (data.interview && data.interview.id);
      ctx.stash.set(`opening:${id}`, data);
      startAttempt = null;
      ctx.go(`#/interview/${id}`);
    } catch (error) {
      if (!ctx.alive() || (error && error.handled)) return;
      handleStartError(error);
    } finally {
      starting = false;
      startButton.disabled = false;
      startButton.classList.remove('is-busy');
      startButton.lastChild.textContent = t('start_button');
    }
  });

  function handleStartError(error) {
    if (error instanceof NetworkError) {
      showStartError(t('start_offline'));
      return;
    }
    if (!(error instanceof ApiError)) { showStartError(t('err_generic')); return; }
    const text = error.message;
    if (error.status === 400) {
      const lower = text.toLowerCase();
      if (lower.startsWith('job_description')) { setFieldError(startForm, 'job', text); jobDetails.open = true; return; }
      if (lower.startsWith('language')) { setFieldError(startForm, 'language', text); return; }
      if (lower.startsWith('topic') || lower.startsWith('interview_topic')) {
        setFieldError(startForm, topicSelect.value === OTHER ? 'custom' : 'topic', text);
        return;
      }
      startAttempt = null;
    }
    if (error.status === 429) {
      const quota = ctx.quota;
      const when = quota && quota.resets_at ? t('limit_resets', { time: formatTime(quota.resets_at) }) : '';
      const wait = error.retryAfter ? t('try_again_in', { wait: formatDuration(error.retryAfter) }) : '';
      showStartError(`${text} ${when || wait}`.trim());
      ctx.refreshQuota();
      return;
    }
    if (error.status === 503 || error.status === 409) {
      const seconds = error.retryAfter || (error.status === 409 ? 3 : 5);
      const hint = h('span', { class: 'retry-hint' });
      showStartError(text, hint);
      stopStartCountdown && stopStartCountdown();
      stopStartCountdown = countdown(seconds, (left) => {
        hint.textContent = left > 0 ? ` ${t('retry_in', { s: left })}` : ` ${t('retry_now')}`;
      });
      return;
    }
    showStartError(text);
  }

  // -- chart and list ---------------------------------------------------------------
  function renderChart() {
    const scored = interviews.filter((iv) => reports.get(iv.id)).slice().reverse();
    if (!interviews.length) {
      chartBody.replaceChildren(emptyChart(t('progress_empty')));
      return;
    }
    if (!scored.length) {
      const waiting = interviews.some((iv) => iv.has_report && !reports.has(iv.id));
      chartBody.replaceChildren(waiting ? h('p', { class: 'muted' }, t('loading')) : emptyChart(t('progress_no_reports')));
      return;
    }
    const points = scored.map((iv) => {
      const report = reports.get(iv.id);
      const offline = report.source === 'offline';
      const date = new Date(iv.created_at);
      return {
        score: report.overall_score,
        label: new Intl.DateTimeFormat(lang() === 'ko' ? 'ko-KR' : 'en-US', { month: 'numeric', day: 'numeric' }).format(date),
        title: `${topicTitle(iv.topic, topicsData)} · ${formatDate(iv.created_at)} · ${report.overall_score} (${offline ? t('source_offline_short') : t('source_llm_short')})`,
        href: `#/report/${iv.id}`,
        hollow: offline,
      };
    });
    const hasOffline = points.some((p) => p.hollow);
    const hasLlm = points.some((p) => !p.hollow);
    const legend = h('p', { class: 'chart-legend' },
      hasLlm ? h('span', { class: 'legend-item' }, h('span', { class: 'legend-dot' }), t('legend_llm')) : null,
      hasOffline ? h('span', { class: 'legend-item' }, h('span', { class: 'legend-dot legend-hollow' }), t('legend_offline')) : null);
    chartBody.replaceChildren(scoreLineChart(points, {
      ariaLabel: t('chart_aria', { n: points.length, scores: points.map((p) => p.score).join(', ') }),
      legend,
    }));
  }

  function statusChip(iv) {
    const finished = iv.status === 'finished';
    return h('span', { class: `chip ${finished ? 'chip-done' : 'chip-active'}`, 'data-testid': 'interview-status' },
      finished ? t('status_finished') : t('status_active'));
  }

  function scoreCell(iv) {
    const report = reports.get(iv.id);
    if (report) {
      return h('a', { class: 'iv-score', href: `#/report/${iv.id}`, 'data-testid': 'interview-score', 'aria-label': t('score_aria', { score: report.overall_score }) },
        h('strong', {}, String(report.overall_score)), h('span', {}, report.source === 'offline' ? t('index_short') : t('score_short')));
    }
    if (iv.has_report || iv.status === 'finished') {
      return h('a', { class: 'iv-score iv-score-pending', href: `#/report/${iv.id}`, 'data-testid': 'interview-score' }, t('report_link'));
    }
    return h('span', { class: 'iv-score iv-score-none', 'data-testid': 'interview-score', 'aria-label': t('no_score') }, '—');
  }

  function row(iv) {
    const li = h('li', { class: 'iv-item', 'data-testid': 'interview-item', 'data-id': iv.id });
    const fill = () => {
      li.replaceChildren(
        h('div', { class: 'iv-main' },
          h('a', { class: 'iv-title', href: `#/interview/${iv.id}`, 'data-testid': 'interview-link' }, topicTitle(iv.topic, topicsData)),
          h('div', { class: 'iv-meta' },
            h('span', { class: 'chip chip-lang', lang: iv.language }, languageName(iv.language)),
            statusChip(iv),
            h('time', { datetime: iv.created_at }, formatDate(iv.created_at)),
            h('span', { class: 'iv-turns' }, t('answers_count', { n: iv.turns })))),
        scoreCell(iv),
        h('div', { class: 'iv-actions' },
          iv.status === 'active' ? h('a', { class: 'btn btn-secondary btn-sm', href: `#/interview/${iv.id}` }, t('continue')) : null,
          h('button', {
            type: 'button', class: 'btn btn-icon btn-ghost', 'data-testid': 'delete-interview',
            'aria-label': t('delete_interview_named', { topic: topicTitle(iv.topic, topicsData) }), title: t('delete_interview'),
            onclick: () => removeInterview(iv, li),
          }, icon('trash'))));
    };
    fill();
    li.refresh = fill;
    return li;
  }

  async function removeInterview(iv, li) {
    const ok = await confirmDialog({
      title: t('delete_interview_title'),
      message: t('delete_interview_body', { topic: topicTitle(iv.topic, topicsData), date: formatDate(iv.created_at) }),
      confirmLabel: t('delete'),
      danger: true,
      onConfirm: () => api('DELETE', `/api/interviews/${encodeURIComponent(iv.id)}/`).catch((error) => {
        if (error instanceof ApiError && error.status === 404) return; // already gone
        throw error;
      }),
    });
    if (!ok || !ctx.alive()) return;
    const index = interviews.findIndex((x) => x.id === iv.id);
    if (index >= 0) interviews.splice(index, 1);
    reports.delete(iv.id);
    li.remove();
    announce(t('interview_deleted'));
    ctx.flash(t('interview_deleted'), 'ok');
    if (!interviews.length) showEmpty();
    renderChart();
  }

  function showEmpty() {
    listStatus.replaceChildren(h('p', { class: 'empty' }, t('history_empty')));
  }

  // Reports are fetched lazily, a few at a time, to put a score on each finished interview.
  const queue = [];
  let running = 0;
  function queueReport(iv) {
    if (!iv.has_report || reports.has(iv.id)) return;
    queue.push(iv);
    pump();
  }
  function pump() {
    while (running < 3 && queue.length) {
      const iv = queue.shift();
      running += 1;
      api('GET', `/api/interviews/${encodeURIComponent(iv.id)}/report/`)
        .then(({ data }) => { reports.set(iv.id, data); })
        .catch(() => { reports.set(iv.id, null); })
        .finally(() => {
          running -= 1;
          if (!ctx.alive()) return;
          const li = list.querySelector(`[data-id="${CSS.escape(iv.id)}"]`);
          if (li && li.refresh) li.refresh();
          if (!running && !queue.length) renderChart();
          pump();
        });
    }
  }

  async function loadPage() {
    moreButton.disabled = true;
    moreButton.classList.add('is-busy');
    listStatus.replaceChildren(h('p', { class: 'muted' }, t('loading')));
    try {
      const query = `?limit=${PAGE_SIZE}${next ? `&next=${encodeURIComponent(next)}` : ''}`;
      const { data } = await api('GET', `/api/interviews/${query}`);
      if (!ctx.alive()) return;
      const page = data.interviews || [];
      interviews.push(...page);
      next = data.next || null;
      listStatus.replaceChildren();
      page.forEach((iv) => { list.append(row(iv)); queueReport(iv); });
      if (!interviews.length) showEmpty();
      moreButton.hidden = !next;
      if (page.length) announce(t('loaded_n', { n: page.length }));
      if (!page.some((iv) => iv.has_report)) renderChart();
    } catch (error) {
      if (!ctx.alive() || (error && error.handled)) return;
      listStatus.replaceChildren(notice('error', error.message || t('err_generic'), ' ',
        h('button', { type: 'button', class: 'btn btn-secondary btn-sm', onclick: loadPage }, t('retry'))));
    } finally {
      moreButton.disabled = false;
      moreButton.classList.remove('is-busy');
    }
  }
  moreButton.addEventListener('click', loadPage);

  await Promise.all([loadPage(), profileReady]);
  return () => stops.forEach((stop) => stop());
}

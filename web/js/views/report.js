// The feedback report: the overall number and what it means (a model's score, or the offline
// coverage & delivery index with how it was measured), the criteria as a chart with each
// reason, strengths, improvements quoting the candidate's words, and each question's outline.
import { api, ApiError, NetworkError } from '../api.js';
import { t, topicTitle, languageName, criterionLabel } from '../i18n.js';
import { h, icon, formatDate, countdown, notice } from '../ui.js';
import { criteriaChart, scoreRing } from '../charts.js';

export async function render(root, { id }, ctx) {
  ctx.setTitle(t('report_title'));
  const enc = encodeURIComponent(id);
  const stops = [];
  let topicsData = null;
  try { topicsData = await ctx.topics(); } catch { topicsData = null; }
  const status = h('div', { class: 'report-status', 'data-testid': 'report-status' }, h('p', { class: 'muted loading-line' }, t('loading')));
  root.append(status);

  let interview = null;
  try {
    const { data } = await api('GET', `/api/interviews/${enc}/?limit=1`);
    interview = data.interview;
    if (data.report) { show(data.report); return cleanup; }
  } catch (error) {
    if (!ctx.alive() || error.handled) return cleanup;
    failed(error);
    return cleanup;
  }
  if (!ctx.alive()) return cleanup;
  // No report yet: write one when asked to (or when the interview is over), else offer it.
  if (ctx.query.get('end') === '1' || interview.status === 'finished') await create();
  else offer();
  return cleanup;

  function cleanup() { stops.forEach((stop) => stop()); }

  function offer() {
    status.replaceChildren(h('section', { class: 'card empty-card' },
      h('h1', {}, t('report_title')),
      h('p', {}, interview.turns ? t('report_none_yet') : t('report_need_answer')),
      h('div', { class: 'form-actions' },
        interview.turns ? h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'create-report', onclick: () => create() }, icon('report'), h('span', {}, t('end_and_report'))) : null,
        h('a', { class: 'btn btn-secondary', href: `#/interview/${id}` }, t('back_to_interview')))));
  }

  async function create() {
    status.replaceChildren(h('div', { class: 'card writing', 'data-testid': 'report-writing' },
      h('span', { class: 'dots', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')),
      h('p', { role: 'status' }, t('report_writing'))));
    try {
      const { data } = await api('POST', `/api/interviews/${enc}/report/`, { timeoutMs: 90000 });
      if (ctx.alive()) show(data);
    } catch (error) {
      if (!ctx.alive() || error.handled) return;
      if (error instanceof ApiError && error.status === 409) {
        // Another request is writing it: ask again after Retry-After.
        const hint = h('span', {});
        status.replaceChildren(notice('info', h('p', {}, error.message), hint));
        stops.push(countdown(error.retryAfter || 3, (left) => { hint.textContent = left ? t('auto_retry_in', { s: left }) : ''; }, () => { if (ctx.alive()) create(); }));
        return;
      }
      failed(error, error instanceof NetworkError || (error instanceof ApiError && error.status >= 500));
    }
  }

  function failed(error, canRetry = true) {
    const gone = error instanceof ApiError && error.status === 404;
    status.replaceChildren(h('section', { class: 'card empty-card' },
      h('h1', {}, t('report_title')),
      notice('error', gone ? t('interview_missing') : error.message),
      h('div', { class: 'form-actions' },
        canRetry && !gone ? h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'retry-button', onclick: () => ctx.go(location.hash) }, t('retry')) : null,
        gone ? h('a', { class: 'btn btn-secondary', href: '#/' }, t('back_home'))
          : h('a', { class: 'btn btn-secondary', href: `#/interview/${id}` }, t('back_to_interview')))));
  }

  function show(report) {
    const offline = report.source === 'offline';
    const title = topicTitle(interview.topic, topicsData);
    ctx.setTitle(`${t('report_title')} · ${title}`);
    const criteria = (report.criteria || []).map((c) => ({ name: c.name, label: criterionLabel(c.name), score: c.score, reason: c.reason }));
    const answers = []; // candidate's own words, to find quotes in
    (report.questions || []).forEach((q) => { if (q.answer_excerpt) answers.push(q.answer_excerpt); });

    const overallMeaning = offline
      ? h('div', { class: 'overall-meaning' },
        h('p', { class: 'overall-label', 'data-testid': 'overall-label' }, report.overall_label || t('offline_index')),
        h('p', { class: 'method', 'data-testid': 'report-method' }, report.method || t('offline_method_default')))
      : h('div', { class: 'overall-meaning' },
        h('p', { class: 'overall-label', 'data-testid': 'overall-label' }, report.overall_label || t('llm_score_label')),
        h('p', { class: 'method' }, t('llm_score_meaning')));

    const sourceBadge = h('p', { class: `source-badge ${offline ? 'source-offline' : 'source-llm'}`, 'data-testid': 'report-source' },
      offline ? t('source_offline') : t('source_llm'));

    const overall = h('section', { class: 'card overall-card', 'aria-labelledby': 'overall-title' },
      h('h2', { id: 'overall-title', class: 'sr-only' }, t('overall_title')),
      h('div', { class: 'overall-ring' }, scoreRing(report.overall_score, { ariaLabel: t('overall_aria', { score: report.overall_score }) }),
        h('span', { class: 'ring-caption' }, t('out_of_100'))),
      h('div', { class: 'overall-text' },
        sourceBadge,
        overallMeaning,
        report.summary ? h('p', { class: 'summary', 'data-testid': 'report-summary' }, report.summary) : null,
        report.fallback_reason ? notice('warn', h('strong', {}, t('fallback_title')), ' ', h('span', { 'data-testid': 'fallback-reason' }, report.fallback_reason)) : null));

    const criteriaCard = h('section', { class: 'card criteria-card', 'aria-labelledby': 'criteria-title' },
      h('h2', { id: 'criteria-title' }, t('criteria_title')),
      h('div', { class: 'criteria-layout' },
        criteriaChart(criteria, { ariaLabel: t('criteria_aria', { list: criteria.map((c) => `${c.label} ${c.score}`).join(', ') }) }),
        h('ul', { class: 'criteria-list', 'data-testid': 'criteria-list' }, criteria.map((c) => h('li', { class: 'criterion' },
          h('div', { class: 'criterion-head' }, h('span', { class: 'criterion-name' }, c.label), h('span', { class: 'criterion-score' }, String(c.score))),
          h('div', { class: 'meter', 'aria-hidden': 'true' }, h('span', { style: `width:${Math.max(0, Math.min(100, c.score))}%` })),
          h('p', { class: 'criterion-reason' }, c.reason))))));

    const strengths = h('section', { class: 'card', 'aria-labelledby': 'strengths-title', 'data-testid': 'strengths' },
      h('h2', { id: 'strengths-title' }, t('strengths_title')),
      report.strengths && report.strengths.length
        ? h('ul', { class: 'check-list' }, report.strengths.map((x) => h('li', {}, x)))
        : h('p', { class: 'muted' }, t('none_listed')));

    const improvements = h('section', { class: 'card', 'aria-labelledby': 'improve-title', 'data-testid': 'improvements' },
      h('h2', { id: 'improve-title' }, t('improvements_title')),
      report.improvements && report.improvements.length
        ? h('ol', { class: 'improve-list' }, report.improvements.map((imp) => h('li', { class: 'improvement' },
          imp.quote ? h('figure', { class: 'quote' },
            h('figcaption', {}, t('you_said_quote')),
            h('blockquote', {}, h('mark', { 'data-testid': 'quote' }, imp.quote)),
            imp.quote_verified === false ? h('p', { class: 'quote-note' }, t('quote_unverified')) : null) : null,
          h('p', { class: 'suggestion' }, h('strong', {}, t('try_this')), ' ', imp.suggestion))))
        : h('p', { class: 'muted' }, t('none_listed')));

    const quotes = (report.improvements || []).map((imp) => imp.quote).filter(Boolean);
    const questions = h('section', { class: 'card', 'aria-labelledby': 'questions-title', 'data-testid': 'questions' },
      h('h2', { id: 'questions-title' }, t('questions_title')),
      h('ol', { class: 'question-list' }, (report.questions || []).map((q, i) => h('li', { class: 'question' },
        h('h3', {}, h('span', { class: 'q-num' }, `Q${i + 1}`), ' ', q.question),
        h('div', { class: 'q-meta' },
          q.answered === false ? h('span', { class: 'chip chip-warn' }, t('not_answered')) : null,
          typeof q.coverage === 'number' ? h('span', { class: 'chip' }, t('coverage', { pct: Math.round(q.coverage * 100) })) : null),
        q.answer_excerpt ? h('div', { class: 'excerpt' }, h('p', { class: 'excerpt-label' }, t('your_answer_excerpt')), highlight(q.answer_excerpt, quotes)) : null,
        q.suggested_outline && q.suggested_outline.length ? h('div', { class: 'outline' },
          h('p', { class: 'outline-label' }, t('suggested_outline')),
          h('ol', { 'data-testid': 'outline' }, q.suggested_outline.map((step) => h('li', {}, step)))) : null))));

    status.replaceChildren();
    root.append(
      h('section', { class: 'page-head report-head' },
        h('p', { class: 'kicker' }, t('report_kicker')),
        h('h1', { 'data-testid': 'report-title' }, title),
        h('div', { class: 'iv-meta' },
          h('span', { class: 'chip chip-lang' }, languageName(interview.language)),
          h('time', { datetime: report.created_at }, formatDate(report.created_at)),
          h('span', {}, t('answers_count', { n: interview.turns })))),
      overall,
      criteriaCard,
      h('div', { class: 'two-col' }, strengths, improvements),
      questions,
      h('div', { class: 'form-actions page-actions' },
        h('a', { class: 'btn btn-primary', href: `#/?topic=${encodeURIComponent(interview.topic)}&lang=${interview.language}`, 'data-testid': 'new-interview-link' }, icon('plus'), h('span', {}, t('new_interview'))),
        h('a', { class: 'btn btn-secondary', href: `#/interview/${id}`, 'data-testid': 'back-to-interview' }, t('back_to_interview')),
        h('a', { class: 'btn btn-ghost', href: '#/' }, t('back_home'))));
  }
}

/** The excerpt with each quoted passage of it marked. */
function highlight(text, quotes) {
  const p = h('p', { class: 'excerpt-text' });
  const found = quotes.map((q) => q.trim()).filter((q) => q && text.includes(q)).sort((a, b) => b.length - a.length);
  if (!found.length) { p.textContent = text; return p; }
  let rest = text;
  while (rest) {
    let best = null;
    for (const q of found) {
      const at = rest.indexOf(q);
      if (at >= 0 && (!best || at < best.at)) best = { at, q };
    }
    if (!best) { p.append(rest); break; }
    if (best.at) p.append(rest.slice(0, best.at));
    p.append(h('mark', {}, best.q));
    rest = rest.slice(best.at + best.q.length);
  }
  return p;
}

"""The offline feedback report: measured from the transcript, and it says so.

What it can measure: which key points of the question actually asked an answer mentions
(as words, and discounted when the answer is a bare list of terms), whether a reply was an
answer at all, length, filler words that stand as filler, signposting and STAR parts. It
cannot judge correctness, so its overall number is a "coverage & delivery index", and a gap
is reported only where the check is sure. A model's report is checked in
interviewers/model_report.py; what one answer measures, in answer_signals.py.
"""
from collections import Counter
from statistics import mean
from typing import List, Optional

from chalicelib.answer_signals import (FULL_DEPTH_CHARS, LIST_ONLY_QUALITY, LONG_ANSWER_CHARS, MEASURED, SENTENCE_END,
                                      Signals, answer_score, delivery_score, depth_score, is_intro, measure,
                                      structure_score)
from chalicelib.interviewers.bank import resolve_topic
from chalicelib.report_texts import TEXT
from chalicelib.transcript import Exchange, clip

QUOTE_CHARS = 120
EXCERPT_CHARS = 150
NO_KEY_POINTS_CAP = 70  # relevance that cannot be checked against key points is never rated high
DEFAULT_CRITERIA = ['relevance', 'depth', 'structure', 'communication']
WEIGHTS = {'relevance': 3, 'depth': 3, 'structure': 2, 'communication': 2, 'star': 2}
HIGH_CRITERION = 80  # every criterion at least this high: the close names no area to improve


# -- criteria -------------------------------------------------------------------------------------
def _relevance(signals: List[Signals], language: str) -> tuple:
    t, n = TEXT[language], len(signals)
    known = [s for s in signals if s.coverage is not None]
    if not known:
        ok = sum(s.answered and not s.short for s in signals)
        reason = t['relevance_unchecked'].format(ok=ok, answers=n, cap=NO_KEY_POINTS_CAP)
        return round(NO_KEY_POINTS_CAP * mean(s.weight * (not s.short) for s in signals)), reason
    hit = sum(len(s.covered) for s in known)
    total = sum(len(s.exchange.key_points) for s in known)
    score = 100 * sum(s.coverage * len(s.exchange.key_points) for s in known) / total
    return round(score), t['relevance'].format(hit=hit, total=total, answers=len(known),
                                               questions=t['questions_word'][len(known) != 1])


def _depth_criterion(signals: List[Signals], language: str) -> tuple:
    t = TEXT[language]
    reason = t['depth'].format(avg=round(mean(s.chars for s in signals)), short=sum(s.short for s in signals),
                               long=sum(s.long for s in signals), long_chars=LONG_ANSWER_CHARS[language])
    known = [s.coverage for s in signals if s.coverage is not None]
    if known:
        reason += t['depth_coverage'].format(pct=round(100 * mean(known)))
    return round(100 * mean(depth_score(s, language) for s in signals)), reason


def _structure_criterion(signals: List[Signals], language: str) -> tuple:
    signals = [s for s in signals if not is_intro(s)] or signals  # an introduction is not an argument
    reason = TEXT[language]['structure'].format(used=sum(bool(s.markers) for s in signals), answers=len(signals),
                                                avg=f'{mean(len(s.markers) for s in signals):.1f}')
    return round(100 * mean(structure_score(s) for s in signals)), reason


def _communication(signals: List[Signals], language: str) -> tuple:
    t, n = TEXT[language], len(signals)
    fillers = [word for s in signals for word, _ in s.fillers]
    rate = 100 * len(fillers) / max(sum(s.words for s in signals if s.answered), 1)
    balanced = sum(s.answered and not s.short and not s.long for s in signals)
    items = ', '.join(t['filler_item'].format(word=w, count=c) for w, c in Counter(fillers).most_common(2))
    reason = t['communication'].format(rate=f'{rate:.1f}', top=t['top_fillers'].format(items=items) if items else '',
                                       balanced=balanced, answers=n, long_chars=LONG_ANSWER_CHARS[language])
    return round(100 * mean(delivery_score(s) for s in signals)), reason


def _star(signals: List[Signals], language: str) -> tuple:
    signals = [s for s in signals if not is_intro(s)] or signals  # an introduction tells no story
    reason = TEXT[language]['star'].format(avg=f'{mean(len(s.star_parts) for s in signals):.1f}',
                                           full=sum(len(s.star_parts) == 4 for s in signals), answers=len(signals))
    return round(100 * mean(len(s.star_parts) / 4 * s.weight for s in signals)), reason


SCORERS = {'relevance': _relevance, 'depth': _depth_criterion, 'structure': _structure_criterion,
           'communication': _communication, 'star': _star}


def criteria_names(topic: dict) -> List[str]:
    names = list(topic.get('criteria') or DEFAULT_CRITERIA)
    if topic['id'] == 'behavioral' and 'star' not in names:
        names.append('star')  # behavioral answers are always judged on STAR
    return [name for name in names if name in SCORERS] or DEFAULT_CRITERIA  # never a report without scores


def _weighted(criteria: List[dict]) -> int:
    weights = [WEIGHTS.get(c['name'], 1) for c in criteria]
    return round(sum(w * c['score'] for w, c in zip(weights, criteria)) / sum(weights))


# -- the report -----------------------------------------------------------------------------------
def offline_report(exchanges: List[Exchange], topic: Optional[str], language: str) -> dict:
    """The report measured from the transcript alone; it says so in `method` and `source`."""
    if not exchanges:
        raise ValueError('There are no answers to report on yet.')
    language = language if language in TEXT else 'en'
    names = criteria_names(resolve_topic(topic))
    replies = [measure(e, language) for e in exchanges]
    signals = _graded(replies)
    criteria = []
    for name in names:
        score, reason = SCORERS[name](signals, language)
        criteria.append({'name': name, 'score': score, 'reason': reason})
    overall = _weighted(criteria)
    uses_star = 'star' in names
    t = TEXT[language]
    return {
        'overall_score': overall,
        'overall_label': t['overall_label'],
        'criteria': criteria,
        'strengths': _strengths([s for s in signals if s.answered], language, uses_star),
        'improvements': _improvements(signals, language, uses_star),
        'questions': [_question_entry(s, language, uses_star) for s in signals],
        'summary': _summary(overall, criteria, replies, language),
        'method': t['method'],
        'language': language,
        'source': 'offline',
    }


def spoken_feedback(report: dict) -> str:
    """Three short sentences of an offline report, for a page that has no report view: the index
    and what it measures, the weakest area, and one thing to do about it."""
    t = TEXT.get(report.get('language'), TEXT['en'])
    if all(not q.get('answered', True) for q in report.get('questions', [])):
        return t['spoken_none']
    said = t['spoken_score'].format(score=report['overall_score'])
    if all(c['score'] >= HIGH_CRITERION for c in report['criteria']):
        return f"{said} {t['spoken_high']}"  # a tip here would invent a fault
    worst = _largest_gap(report['criteria'])
    return ' '.join([said, t['spoken_worst'].format(label=t['labels'].get(worst['name'], worst['name'])),
                     t['spoken_tip'].get(worst['name'], '')]).strip()


def _largest_gap(criteria: List[dict]) -> dict:
    """The criterion with most to gain as the overall number weighs it: content before form."""
    return max(criteria, key=lambda c: WEIGHTS.get(c['name'], 1) * (100 - c['score']))


def _strengths(signals: List[Signals], language: str, uses_star: bool) -> List[str]:
    t = TEXT[language]
    found = []
    covered = max((s for s in signals if s.coverage is not None and s.covered), key=lambda s: s.coverage, default=None)
    if covered and len(covered.covered) / len(covered.exchange.key_points) >= 0.5 and covered.quality >= 0.5:
        found.append(t['strength_coverage'].format(q=_brief(covered), hit=len(covered.covered),
                                                   total=len(covered.exchange.key_points),
                                                   point=_point_text(covered.covered[0], language)))
    full_star = next((s for s in signals if len(s.star_parts) == 4), None)
    if uses_star and full_star:
        found.append(t['strength_star'].format(q=_brief(full_star)))
    structured = max(signals, key=lambda s: len(s.markers), default=None)
    if structured and len(structured.markers) >= 2 and structured.quality >= 0.5:
        markers = ', '.join(f'"{m}"' for m in structured.markers[:3])
        found.append(t['strength_structure'].format(q=_brief(structured), markers=markers))
    fluent = [s for s in signals if not s.fillers and not s.short and not s.long and s.quality >= 0.5]
    if fluent and len(found) < 3:
        best = max(fluent, key=lambda s: s.chars)
        found.append(t['strength_clear'].format(q=_brief(best), chars=best.chars,
                                                quote=clip(best.exchange.answer, 60)))
    return found[:3]


def _improvements(signals: List[Signals], language: str, uses_star: bool) -> List[dict]:
    ranked = sorted(signals, key=lambda s: answer_score(s, language))
    found, told_not_answered = [], False
    for s in ranked:
        issues = _issues(s, language, uses_star)
        if not s.answered:  # one such note is advice enough; more would only repeat it
            if told_not_answered:
                continue
            told_not_answered = True
        if issues:
            found.append(_improvement(s, issues[:2]))
    if not found:  # every answer measured clean: still one concrete step, on the weakest real answer
        weakest = next((s for s in ranked if not is_intro(s)), ranked[0])
        has_number = MEASURED.search(weakest.exchange.answer)
        found.append(_improvement(weakest, [('polish', TEXT[language]['polish_order' if has_number else 'polish'])]))
    return found[:4]


def _issues(s: Signals, language: str, uses_star: bool) -> List[tuple]:
    """What this answer measurably lacks, most important first, each as (kind, suggestion)."""
    t = TEXT[language]
    if not s.answered:
        return [('not_an_answer', t.get(f'not_an_answer_{s.exchange.kind}', t['not_an_answer']))]
    issues = []
    if s.quality < LIST_ONLY_QUALITY:
        issues.append(('list_only', t['list_only']))
    if s.missed:
        points = '; '.join(_point_text(p, language) for p in s.missed[:3])
        issues.append(('missed', t['missed'].format(q=_brief(s), points=points)))
    if s.short:
        issues.append(('short', t['short'].format(chars=s.chars)))
    if len(s.fillers) >= 2 and 100 * len(s.fillers) / max(s.words, 1) >= 3:
        words = ', '.join(f'"{w}"' for w, _ in Counter(w for w, _ in s.fillers).most_common(3))
        issues.append(('filler', t['filler'].format(fillers=words, count=len(s.fillers))))
    if s.long:
        issues.append(('long', t['long'].format(chars=s.chars)))
    story = uses_star and s.exchange.key_points and s.chars >= FULL_DEPTH_CHARS[language]
    if story and 'result' not in s.star_parts:  # the one STAR gap the markers can be sure of
        issues.append(('star', t['no_result']))
    content = any(kind in ('list_only', 'missed', 'short') for kind, _ in issues)  # content before form
    if not s.markers and not s.short and s.quality >= LIST_ONLY_QUALITY and not is_intro(s) and not content:
        issues.append(('structure', t['no_structure']))
    return issues


def _improvement(s: Signals, issues: List[tuple]) -> dict:
    answer = s.exchange.answer
    # A filler issue quotes the words around the first filler, so the candidate sees them.
    start = _filler_window(answer, s.fillers[0][1]) if any(k == 'filler' for k, _ in issues) else 0
    return {'quote': _quote(answer, start), 'suggestion': ' '.join(text for _, text in issues)}


def _question_entry(s: Signals, language: str, uses_star: bool) -> dict:
    t = TEXT[language]
    outline = [_point_text(p, language) for p in s.exchange.key_points[:5]]
    generic = t['outline_intro'] if is_intro(s) else t['outline_star'] if uses_star else t['outline_claim']
    outline += generic[:max(0, 3 - len(outline))]  # a question with few key points still gets 3 steps
    return {
        'question': s.exchange.question,
        'answer_excerpt': _excerpt(s.exchange.answer),
        'answered': s.answered,
        'coverage': None if s.coverage is None else round(s.coverage, 2),
        'suggested_outline': outline,
    }


def _summary(overall: int, criteria: List[dict], signals: List[Signals], language: str) -> str:
    t = TEXT[language]
    best = max(criteria, key=lambda c: c['score'])
    worst = _largest_gap(criteria)  # the area the spoken close names too
    kinds = Counter(s.exchange.kind for s in signals if not s.answered)
    not_answers = ''
    if kinds:
        named = ', '.join(t['kinds'].get(k, k) for k, _ in kinds.most_common())
        n = sum(kinds.values())
        not_answers = t['not_answers'].format(n=n, answers=len(signals), kinds=named, were=t['were'][n != 1],
                                              replies=t['replies'][len(signals) != 1])
    form = 'summary_flat' if len({c['score'] for c in criteria}) == 1 else 'summary'
    return t[form].format(score=overall, answers=len(signals), replies=t['replies'][len(signals) != 1],
                          not_answers=not_answers, best=t['labels'][best['name']], best_score=best['score'],
                          worst=t['labels'][worst['name']], worst_score=worst['score'])


def _graded(replies: List[Signals]) -> List[Signals]:
    """The replies the criteria grade: a question asked again after a non-answer counts once,
    with its answer (or, never answered, with its last reply)."""
    answered = {s.exchange.question_id for s in replies if s.answered}
    last = {s.exchange.question_id: i for i, s in enumerate(replies)}
    return [s for i, s in enumerate(replies) if s.exchange.question_id is None or s.answered
            or (s.exchange.question_id not in answered and last[s.exchange.question_id] == i)]


# -- text shaping ---------------------------------------------------------------------------------
def _brief(s: Signals) -> str:
    return clip(s.exchange.question, 40, ellipsis=True)


def _point_text(point: dict, language: str) -> str:
    return point.get(language) or point.get('en') or ''


def _excerpt(answer: str) -> str:
    excerpt = clip(answer, EXCERPT_CHARS)
    return excerpt if excerpt == answer.strip() else excerpt + '…'


def _quote(answer: str, start: int) -> str:
    """Verbatim words of the answer from `start`: up to a sentence end when one falls late enough."""
    rest = answer[start:].strip()
    if len(rest) <= QUOTE_CHARS:
        return rest
    ends = [m.end() for m in SENTENCE_END.finditer(rest[:QUOTE_CHARS]) if m.end() >= 40]
    return rest[:ends[-1]] if ends else clip(rest, QUOTE_CHARS)


def _filler_window(answer: str, position: int) -> int:
    """Where to start quoting so the filler at `position` is inside the quote."""
    ends = [m.end() for m in SENTENCE_END.finditer(answer[:position])]
    start = ends[-1] if ends else 0
    if position - start > 60:
        space = answer.rfind(' ', start, position - 40)
        start = space + 1 if space >= 0 else position
    return start

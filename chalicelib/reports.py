"""The offline feedback report: measured from the transcript, and it says so.

What it can measure: which key points of the question actually asked an answer mentions
(as words, and discounted when the answer is a bare list of terms), whether a reply was an
answer at all, length, filler words that stand as filler, signposting and STAR parts. It
cannot judge correctness, so its overall number is a "coverage & delivery index", and a gap
is reported only where the check is sure. A model's report is checked in
interviewers/model_report.py.
"""
import re
from collections import Counter
from dataclasses import dataclass
from statistics import mean
from typing import List, Optional

from chalicelib.interviewers import reading
from chalicelib.interviewers.bank import resolve_topic
from chalicelib.report_texts import TEXT
from chalicelib.transcript import Exchange, clip

# Korean packs about 2.4 times the meaning into a character, so every length threshold differs.
LONG_ANSWER_CHARS = {'ko': 700, 'en': 1500}
FULL_DEPTH_CHARS = {'ko': 150, 'en': 350}
QUOTE_CHARS = 120
EXCERPT_CHARS = 150
FILLERS_PER_100_WORDS_AT_ZERO = 8  # at this filler rate the filler half of communication is 0
NO_KEY_POINTS_CAP = 70  # relevance that cannot be checked against key points is never rated high
LIST_ONLY_QUALITY = 0.34  # below this an answer reads as a list of terms, not sentences
DEFAULT_CRITERIA = ['relevance', 'depth', 'structure', 'communication']
WEIGHTS = {'relevance': 3, 'depth': 3, 'structure': 2, 'communication': 2, 'star': 2}

# Filler only where it stands as filler: "um"/"uh" always; "like", "you know", "basically"…
# only when set off by commas or dots ("it was, like, slow"), never in "tools like Redis".
EN_FILLERS = re.compile(r"(?<![\w'])(u+m+|u+h+|e+r+m+)(?![\w'])|(?:(?<=[,.…])|^)\s*(like|you know|basically|"
                        r"actually|sort of|kind of|i mean)(?=\s*[,.…])", re.IGNORECASE)
# Korean fillers: 음/어 standing alone; 그/저/뭐/약간/그냥/사실 only with a pause mark after them
# ("그, 저희는…"), never the demonstrative in "그 서버는".
KO_ALWAYS_FILLERS = {'음', '어', '음…', '어…', '음...', '어...'}
KO_PAUSE_FILLERS = {'그', '저', '뭐', '약간', '그냥', '사실', '이제', '막'}
# Signposts: words that show the order of an answer or the reasons in it. English ones match as
# whole words ("so" is not in "solution"); Korean ones at a word start with their particles after
# them, except where a longer word starts the same way ('우선순위', '즉시').
EN_SIGNPOSTS = ['first', 'firstly', 'second', 'third', 'then', 'next', 'after that', 'finally', 'because',
                'since', 'so', 'therefore', 'as a result', 'for example', 'for instance', 'also', 'however',
                'instead', 'otherwise', 'that way', 'which means', 'in short', 'on the other hand']
KO_SIGNPOSTS = ['첫째', '둘째', '셋째', '먼저', '우선(?!순위)', '다음으로', '그다음', '그리고', '또한', '게다가',
                '하지만', '반면', '대신', '즉(?![가-힣])', '예를 들', '예컨대', '왜냐하면', '때문', '덕분',
                '그래서', '따라서', '결과적으로', '마지막으로', '그러면', '그러니까']
SIGNPOSTS = [(word, re.compile(r'(?<![\w])' + re.escape(word) + r'(?![\w])', re.IGNORECASE)) for word in EN_SIGNPOSTS]
SIGNPOSTS += [(re.sub(r'\(.*\)', '', word), re.compile(r'(?<![\w])' + word)) for word in KO_SIGNPOSTS]
# The Korean "because" ending -(으)니까 ("안 되니까"), but not the formal question ending 습니까/합니까:
# a syllable with a final ㅂ before 니까.
KO_BECAUSE_ENDING = re.compile(r'([가-힣])니까(?![가-힣])')
STAR_MARKERS = {
    'situation': ['situation', 'context', 'background', 'at the time', 'back then', 'when i was', 'last year',
                  '상황', '당시', '배경', '그때', '예전', '지난'],
    'task': ['task', 'goal', 'role', 'responsib', 'objective', 'needed to', 'had to', 'my job',
             '과제', '목표', '역할', '맡', '책임', '해야'],
    'action': ['action', 'i decided', 'i proposed', 'i implemented', 'i talked', 'i built', 'i led',
               'i started', 'i wrote', 'i set up', 'i organized', 'i asked', 'so i', 'we decided',
               '행동', '실행', '제안', '진행', '시도', '구현', '대화', '결정', '도입', '만들'],
    'result': ['result', 'outcome', 'learned', 'improved', 'reduced', 'increased', 'in the end', 'cut', 'grew',
               '결과', '성과', '배운', '배웠', '개선', '줄였', '줄어', '늘었', '늘어', '결국', '향상'],
}
# A number with a unit is a result too ("40 percent of sign-ups", "응답 시간 30% 단축").
MEASURED = re.compile(r'\d+(\.\d+)?\s*(%|percent|퍼센트|배|명|건|초|ms|분|시간|x\b|times|users|점)', re.IGNORECASE)
SENTENCE_END = re.compile(r'[.!?？。](?=\s|$)')


@dataclass
class Signals:
    exchange: Exchange
    answered: bool  # a real answer (reading.SUBSTANTIVE), not "I don't know", gibberish, steering…
    chars: int
    words: int
    quality: float  # 0 for a list of terms, 1 for sentences (reading.sentence_quality)
    fillers: List[tuple]  # (word, position in the answer)
    markers: List[str]
    star_parts: List[str]
    coverage: Optional[float]  # share of key points mentioned, discounted for lists; None with no key points
    covered: list
    missed: list
    short: bool
    long: bool

    @property
    def weight(self) -> float:
        """How much a measured signal counts: a list of terms earns a third of a sentence's credit."""
        return 0.3 + 0.7 * self.quality if self.answered else 0.0


def measure(exchange: Exchange, language: str) -> Signals:
    answer, points = exchange.answer, exchange.key_points or []
    answered = exchange.kind == reading.SUBSTANTIVE
    covered = reading.points_mentioned(points, answer) if answered else []
    lowered = answer.lower()
    signals = Signals(
        exchange=exchange, answered=answered, chars=len(answer), words=len(answer.split()),
        quality=reading.sentence_quality(answer) if answered else 0.0,
        fillers=fillers_in(answer) if answered else [],
        markers=signposts_in(answer) if answered else [],
        star_parts=[part for part, words in STAR_MARKERS.items()
                    if answered and any(reading.mentions(lowered, w) for w in words)],
        coverage=None, covered=covered, missed=[p for p in points if p not in covered] if answered else [],
        short=len(answer) < reading.SHORT_ANSWER_CHARS[language], long=len(answer) > LONG_ANSWER_CHARS[language])
    if answered and 'result' not in signals.star_parts and MEASURED.search(answer):
        signals.star_parts.append('result')
    if points:
        signals.coverage = signals.weight * len(covered) / len(points)
    return signals


def signposts_in(answer: str) -> List[str]:
    """The signposting words an answer uses, each once, in the order of the list."""
    found = [word for word, pattern in SIGNPOSTS if pattern.search(answer)]
    if any((ord(m.group(1)) - 0xAC00) % 28 != 17 for m in KO_BECAUSE_ENDING.finditer(answer)):  # 17: final ㅂ
        found.append('-니까')
    return found


def fillers_in(answer: str) -> List[tuple]:
    """Filler words where they stand as filler, with their positions."""
    found = [((m.group(1) or m.group(2)).lower(), m.start(1) if m.group(1) else m.start(2))
             for m in EN_FILLERS.finditer(answer)]
    for m in re.finditer(r'\S+', answer):
        raw = m.group(0)
        word = raw.strip('.,!?…~·-"\'()')
        paused = raw != word and raw[len(raw.rstrip(',.…')):] != ''
        if raw in KO_ALWAYS_FILLERS or word in KO_ALWAYS_FILLERS or (word in KO_PAUSE_FILLERS and paused):
            found.append((word, m.start()))
    return sorted(found, key=lambda item: item[1])


def _length_score(s: Signals, language: str) -> float:
    score = min(1.0, s.chars / FULL_DEPTH_CHARS[language])
    return score * 0.7 if s.long else score  # rambling is not depth


def _depth(s: Signals, language: str) -> float:
    length = _length_score(s, language) * s.weight
    return length if s.coverage is None else (length + s.coverage) / 2


def _structure(s: Signals) -> float:
    return min(len(s.markers), 3) / 3 * s.weight


def _delivery(s: Signals) -> float:
    filler_rate = 100 * len(s.fillers) / max(s.words, 1)
    balanced = not s.short and not s.long
    return (0.6 * max(0.0, 1 - filler_rate / FILLERS_PER_100_WORDS_AT_ZERO) + 0.4 * balanced) * s.weight


def _answer_score(s: Signals, language: str) -> float:
    """How strong one answer measures, to pick which answers the improvements are about."""
    parts = [_depth(s, language), _structure(s), _delivery(s)]
    return mean(parts + ([s.coverage] if s.coverage is not None else []))


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
    return round(score), t['relevance'].format(hit=hit, total=total, answers=len(known))


def _depth_criterion(signals: List[Signals], language: str) -> tuple:
    t = TEXT[language]
    reason = t['depth'].format(avg=round(mean(s.chars for s in signals)), short=sum(s.short for s in signals),
                               long=sum(s.long for s in signals), long_chars=LONG_ANSWER_CHARS[language])
    known = [s.coverage for s in signals if s.coverage is not None]
    if known:
        reason += t['depth_coverage'].format(pct=round(100 * mean(known)))
    return round(100 * mean(_depth(s, language) for s in signals)), reason


def _structure_criterion(signals: List[Signals], language: str) -> tuple:
    reason = TEXT[language]['structure'].format(used=sum(bool(s.markers) for s in signals), answers=len(signals),
                                                avg=f'{mean(len(s.markers) for s in signals):.1f}')
    return round(100 * mean(_structure(s) for s in signals)), reason


def _communication(signals: List[Signals], language: str) -> tuple:
    t, n = TEXT[language], len(signals)
    fillers = [word for s in signals for word, _ in s.fillers]
    rate = 100 * len(fillers) / max(sum(s.words for s in signals if s.answered), 1)
    balanced = sum(s.answered and not s.short and not s.long for s in signals)
    items = ', '.join(t['filler_item'].format(word=w, count=c) for w, c in Counter(fillers).most_common(2))
    reason = t['communication'].format(rate=f'{rate:.1f}', top=t['top_fillers'].format(items=items) if items else '',
                                       balanced=balanced, answers=n, long_chars=LONG_ANSWER_CHARS[language])
    return round(100 * mean(_delivery(s) for s in signals)), reason


def _star(signals: List[Signals], language: str) -> tuple:
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
    signals = [measure(e, language) for e in exchanges]
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
        'summary': _summary(overall, criteria, signals, language),
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
    worst = min(report['criteria'], key=lambda c: c['score'])
    return ' '.join([t['spoken_score'].format(score=report['overall_score']),
                     t['spoken_worst'].format(label=t['labels'].get(worst['name'], worst['name'])),
                     t['spoken_tip'].get(worst['name'], '')]).strip()


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
    ranked = sorted(signals, key=lambda s: _answer_score(s, language))
    found, told_not_answered = [], False
    for s in ranked:
        issues = _issues(s, language, uses_star)
        if not s.answered:  # one such note is advice enough; more would only repeat it
            if told_not_answered:
                continue
            told_not_answered = True
        if issues:
            found.append(_improvement(s, issues[:2]))
    if not found:  # every answer measured clean: still one concrete step, on the weakest answer
        found.append(_improvement(ranked[0], [('polish', TEXT[language]['polish'])]))
    return found[:4]


def _issues(s: Signals, language: str, uses_star: bool) -> List[tuple]:
    """What this answer measurably lacks, most important first, each as (kind, suggestion)."""
    t = TEXT[language]
    if not s.answered:
        return [('not_an_answer', t['not_an_answer'])]
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
    if not s.markers and not s.short and s.quality >= LIST_ONLY_QUALITY:
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
    generic = t['outline_star'] if uses_star else t['outline_claim']
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
    worst = min(criteria, key=lambda c: c['score'])
    kinds = Counter(s.exchange.kind for s in signals if not s.answered)
    not_answers = ''
    if kinds:
        named = ', '.join(t['kinds'].get(k, k) for k, _ in kinds.most_common())
        not_answers = t['not_answers'].format(n=sum(kinds.values()), answers=len(signals), kinds=named)
    return t['summary'].format(score=overall, answers=len(signals), not_answers=not_answers,
                               best=t['labels'][best['name']], best_score=best['score'],
                               worst=t['labels'][worst['name']], worst_score=worst['score'])


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

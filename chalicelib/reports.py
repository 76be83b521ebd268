"""The offline feedback report: measured from the transcript (key-point coverage, length,
filler words, structure and STAR markers), and it says so. A model's report is checked in
interviewers/model_report.py.
"""
import re
from collections import Counter
from dataclasses import dataclass, field
from statistics import mean
from typing import Iterator, List, Optional

from chalicelib.interviewers.base import Message

# Korean packs about 2.4 times the meaning into a character, so every length threshold differs.
LONG_ANSWER_CHARS = {'ko': 700, 'en': 1500}
FULL_DEPTH_CHARS = {'ko': 150, 'en': 350}
QUOTE_CHARS = 120
EXCERPT_CHARS = 150
FALLBACK_QUESTION_CHARS = 300
FILLERS_PER_100_WORDS_AT_ZERO = 8  # at this filler rate the filler half of communication is 0
NO_KEY_POINTS_CAP = 70  # relevance that cannot be checked against key points is never rated high
DEFAULT_CRITERIA = ['relevance', 'depth', 'structure', 'communication']
WEIGHTS = {'relevance': 3, 'depth': 3, 'structure': 2, 'communication': 2, 'star': 2}

# "like" is a filler except in "I'd like", "would like" and "like 404", where it means something.
EN_FILLERS = re.compile(r"(?<![\w'])(u+m+|u+h+|(?<!would )(?<!'d )like(?!\s+\d)|you know|basically|actually"
                        r"|sort of|kind of)(?![\w'])", re.IGNORECASE)
KO_FILLERS = {'음', '어', '그', '저', '뭐', '약간', '그냥', '사실'}
TOKEN_PUNCTUATION = '.,!?…~·-"\'()'
STRUCTURE_MARKERS = ['first', 'second', 'third', 'then', 'next', 'finally', 'because', 'for example',
                     'for instance', 'as a result', 'therefore',
                     '첫째', '둘째', '셋째', '먼저', '그리고', '마지막으로', '왜냐하면', '예를 들',
                     '결과적으로', '그래서', '따라서']
STAR_MARKERS = {
    'situation': ['situation', 'context', 'background', 'at the time', 'back then', 'when i was',
                  '상황', '당시', '배경', '그때'],
    'task': ['task', 'goal', 'role', 'responsib', 'objective', 'needed to', 'had to',
             '과제', '목표', '역할', '맡', '책임', '해야 했'],
    'action': ['action', 'i decided', 'i proposed', 'i implemented', 'i talked', 'i built', 'i led',
               'i started', 'i wrote', 'so i', '행동', '실행', '제안', '진행', '시도', '구현', '대화', '결정'],
    'result': ['result', 'outcome', 'learned', 'improved', 'reduced', 'increased', 'in the end',
               '결과', '성과', '배운 점', '배웠', '개선', '줄였', '늘었', '결국'],
}
SENTENCE_END = re.compile(r'[.!?？。](?=\s|$)')

TEXT = {
    'en': {
        'relevance': 'Covered {hit} of {total} key points across {answers} answers.',
        'relevance_unchecked': ('No bank key points to check against; {ok} of {answers} answers were '
                                'substantive (capped at {cap}).'),
        'depth': 'Answers averaged {avg} characters; {short} short, {long} over {long_chars}.',
        'depth_coverage': ' Key-point coverage {pct}%.',
        'structure': 'Structure markers (first, because, for example…) in {used} of {answers} answers, '
                     '{avg} per answer.',
        'communication': ('{rate} filler words per 100 words{top}; {balanced} of {answers} answers '
                          'neither short nor over {long_chars} characters.'),
        'top_fillers': ' (most often {items})',
        'filler_item': '"{word}" ×{count}',
        'star': 'Named {avg} of 4 STAR parts per answer on average; {full} of {answers} answers had all four.',
        'strength_coverage': 'Your answer to "{q}" covered {hit} of {total} key points, including: {point}.',
        'strength_star': 'Your answer to "{q}" walked through situation, task, action and result.',
        'strength_structure': 'In "{q}" you signposted your reasoning ({markers}), which makes it easy to follow.',
        'strength_clear': 'Your answer to "{q}" was fluent: {chars} characters with no filler words ("{quote}").',
        'strength_fallback': ('You answered {n} question(s); the most developed answer, to "{q}", is the one '
                              'to build on: "{quote}".'),
        'missed': 'For "{q}", also cover: {points}.',
        'short': ('At {chars} characters this answer is short; expand it to 3-4 sentences: your point, '
                  'the reason, and a concrete example from your work.'),
        'filler': 'Pause silently instead of using filler words: {fillers} came up {count} times here.',
        'long': ('At {chars} characters this answer ran long; open with your conclusion in one sentence, '
                 'then give at most three supporting points.'),
        'no_structure': 'Signpost the answer ("First…", "because…", "for example…") so the listener can follow.',
        'star_missing': 'Add the missing STAR parts: {parts}.',
        'polish': ('A solid answer; close it with a measurable outcome (a number or a before/after) '
                   'to make it memorable.'),
        'star_parts': {'situation': 'situation (when and where)', 'task': 'task (your role and goal)',
                       'action': 'action (what you did)', 'result': 'result (the outcome, with a number if possible)'},
        'labels': {'relevance': 'relevance', 'depth': 'depth', 'structure': 'structure',
                   'communication': 'communication', 'star': 'STAR structure'},
        'summary': ('Overall {score}/100 over {answers} answer(s), measured from the transcript. Strongest: '
                    '{best} ({best_score}); most room to grow: {worst} ({worst_score}).'),
        'method': ('Computed from measurable signals (key-point coverage, answer length, filler words, '
                   'structure and STAR markers), not judged by an AI model.'),
        'opening': 'your opening remarks',
        'outline_star': ['Situation: when and where, in a sentence or two', 'Task: your role and the goal',
                         'Action: what you did, step by step',
                         'Result: the outcome, with a number if possible, and what you learned'],
        'outline_claim': ['Your answer in one sentence', 'The reason or principle behind it',
                          'A concrete example from your experience',
                          'A trade-off or limit, and what you would do differently'],
    },
    'ko': {
        'relevance': '답변 {answers}개에서 핵심 요점 {total}개 중 {hit}개를 다뤘습니다.',
        'relevance_unchecked': ('비교할 핵심 요점이 없어, 답변 {answers}개 중 충분한 길이의 답변 {ok}개로 '
                                '매겼습니다(최대 {cap}점).'),
        'depth': '답변은 평균 {avg}자이며, 짧은 답변 {short}개, {long_chars}자를 넘는 답변 {long}개입니다.',
        'depth_coverage': ' 핵심 요점 포함률은 {pct}%입니다.',
        'structure': '답변 {answers}개 중 {used}개에서 구조 표현(첫째, 왜냐하면, 예를 들어 등)을 썼고, 답변당 평균 {avg}개입니다.',
        'communication': '100단어당 군말 {rate}개{top}, 답변 {answers}개 중 {balanced}개가 적당한 길이였습니다.',
        'top_fillers': '(주로 {items})',
        'filler_item': '"{word}" {count}회',
        'star': '답변당 STAR 요소 4개 중 평균 {avg}개를 언급했고, 네 요소를 모두 갖춘 답변은 {answers}개 중 {full}개입니다.',
        'strength_coverage': '"{q}" 질문에서 핵심 요점 {total}개 중 {hit}개를 짚었습니다(예: {point}).',
        'strength_star': '"{q}" 질문에서 상황, 과제, 행동, 결과를 모두 갖춰 답했습니다.',
        'strength_structure': '"{q}" 질문에서 {markers} 같은 표현으로 답변의 흐름을 잘 드러냈습니다.',
        'strength_clear': '"{q}" 질문에 군말 없이 {chars}자로 또렷하게 답했습니다("{quote}").',
        'strength_fallback': '질문 {n}개에 답했습니다. 가장 충실한 "{q}" 질문의 답변("{quote}")을 바탕으로 다듬어 보세요.',
        'missed': '"{q}" 질문에서는 다음 요점도 다뤄 보세요: {points}.',
        'short': '이 답변은 {chars}자로 짧습니다. 핵심 주장, 이유, 실제 경험 사례를 담아 3~4문장으로 늘려 보세요.',
        'filler': '군말 대신 잠시 멈춰 생각해 보세요. 이 답변에서 {fillers} 같은 군말이 {count}번 나왔습니다.',
        'long': '이 답변은 {chars}자로 깁니다. 결론을 한 문장으로 먼저 말하고, 근거는 세 가지 이내로 줄여 보세요.',
        'no_structure': '"첫째…", "왜냐하면…", "예를 들어…"처럼 흐름을 드러내는 표현을 넣어 보세요.',
        'star_missing': '빠진 STAR 요소를 채워 보세요: {parts}.',
        'polish': '좋은 답변입니다. 수치나 전후 비교 같은 측정 가능한 결과로 마무리하면 더 인상적입니다.',
        'star_parts': {'situation': '상황(언제, 어떤 배경이었는지)', 'task': '과제(본인의 역할과 목표)',
                       'action': '행동(본인이 한 일)', 'result': '결과(가능하면 수치로 나타낸 성과)'},
        'labels': {'relevance': '관련성', 'depth': '깊이', 'structure': '구조', 'communication': '전달력',
                   'star': 'STAR 구성'},
        'summary': ('답변 {answers}개를 측정 지표로 평가한 종합 점수는 {score}점입니다. 가장 좋은 항목은 '
                    '{best}({best_score}점), 가장 보완할 항목은 {worst}({worst_score}점)입니다.'),
        'method': ('이 리포트는 AI 모델의 판단이 아니라 측정 가능한 지표(핵심 요점 포함률, 답변 길이, 군말, '
                   '구조·STAR 표현)로 계산했습니다.'),
        'opening': '면접 첫 발언',
        'outline_star': ['상황: 언제, 어떤 배경이었는지 한두 문장으로', '과제: 본인의 역할과 목표',
                         '행동: 본인이 한 일을 단계별로', '결과: 가능하면 수치로 나타낸 성과와 배운 점'],
        'outline_claim': ['한 문장으로 말하는 핵심 답변', '그렇게 생각하는 이유나 원칙',
                          '실제 경험에서 나온 구체적인 사례', '한계나 트레이드오프, 다르게 해 볼 점'],
    },
}

def _bank():
    """The offline interviewer's module: its banks and matching rules are the ones reports use."""
    from chalicelib.interviewers import offline  # imported on use: offline.py imports this module
    return offline


@dataclass(frozen=True)
class Exchange:
    question: str  # the interviewer's question the candidate answered, as spoken
    answer: str
    question_id: Optional[str] = None  # the bank question's id when the question came from a bank
    key_points: list = field(default_factory=list)  # the bank question's key points, [] if unknown


# -- the transcript as question/answer pairs ----------------------------------------------------
def exchanges_from_transcript(messages: List[Message], topic: Optional[str], language: str) -> List[Exchange]:
    """Each non-blank answer paired with the interviewer message before it (oldest first)."""
    exchanges, asked = [], ''
    for message in messages:
        if message.role == 'assistant':
            asked = message.content
        elif message.role == 'user' and message.content.strip():
            exchanges.append(_exchange(asked, message.content.strip(), topic, language))
    return exchanges


def _exchange(asked: str, answer: str, topic: Optional[str], language: str) -> Exchange:
    question = _bank_question(asked, topic, language)
    if question:
        return Exchange(question[language], answer, question['id'], list(question.get('key_points', [])))
    return Exchange(_spoken_question(asked), answer, None, [])


def _bank_question(asked: str, topic: Optional[str], language: str) -> Optional[dict]:
    """The bank question whose text or follow-up the interviewer spoke (a follow-up maps to its parent)."""
    spoken = _squash(asked)
    if not spoken:
        return None
    for question in _questions_topic_first(topic):
        texts = [question.get(language), question.get('follow_up', {}).get(language)]
        if any(text and _squash(text) in spoken for text in texts):
            return question
    return None


def _questions_topic_first(topic: Optional[str]) -> Iterator[dict]:
    first = _bank().resolve_topic(topic)
    yield from first['questions']
    for other in _bank().topics().values():
        if other['id'] != first['id']:
            yield from other['questions']


def _spoken_question(asked: str) -> str:
    """The trailing run of sentences ending in '?', else the whole message, bounded."""
    sentences = re.split(r'(?<=[.!?？。])\s+', asked.strip())
    asking = [i for i, sentence in enumerate(sentences) if sentence.endswith(('?', '？'))]
    if not asking:
        return _clip(asked.strip(), FALLBACK_QUESTION_CHARS)
    start = end = asking[-1]
    while start > 0 and sentences[start - 1].endswith(('?', '？')):
        start -= 1
    return _clip(' '.join(sentences[start:end + 1]), FALLBACK_QUESTION_CHARS)


def _squash(text: Optional[str]) -> str:
    return ' '.join((text or '').split())


# -- measuring one answer ------------------------------------------------------------------------
@dataclass
class Signals:
    exchange: Exchange
    chars: int
    words: int
    fillers: List[tuple]  # (word, position in the answer)
    markers: List[str]
    star_parts: List[str]
    coverage: Optional[float]  # None when the question has no known key points
    covered: list
    missed: list
    short: bool
    long: bool


def measure(exchange: Exchange, language: str) -> Signals:
    bank, answer, points = _bank(), exchange.answer, exchange.key_points or []
    # One point at a time through the interviewer's own coverage rule, so both agree on a hit.
    covered = [p for p in points if bank.key_point_coverage({'key_points': [p]}, answer) > 0]
    return Signals(
        exchange=exchange, chars=len(answer), words=len(answer.split()), fillers=fillers_in(answer),
        markers=[m for m in STRUCTURE_MARKERS if bank.mentions(answer.lower(), m)],
        star_parts=[part for part, words in STAR_MARKERS.items()
                    if any(bank.mentions(answer.lower(), w) for w in words)],
        coverage=len(covered) / len(points) if points else None,
        covered=covered, missed=[p for p in points if p not in covered],
        short=len(answer) < bank.SHORT_ANSWER_CHARS.get(language, 40),
        long=len(answer) > LONG_ANSWER_CHARS[language])


def fillers_in(answer: str) -> List[tuple]:
    """Filler words as whole words (English) or whole tokens (Korean), with their positions."""
    found = [(m.group(0).lower(), m.start()) for m in EN_FILLERS.finditer(answer)]
    found += [(m.group(0).strip(TOKEN_PUNCTUATION), m.start()) for m in re.finditer(r'\S+', answer)
              if m.group(0).strip(TOKEN_PUNCTUATION) in KO_FILLERS]
    return sorted(found, key=lambda item: item[1])


def _length_score(s: Signals, language: str) -> float:
    score = min(1.0, s.chars / FULL_DEPTH_CHARS[language])
    return score * 0.7 if s.long else score  # rambling is not depth


def _depth(s: Signals, language: str) -> float:
    length = _length_score(s, language)
    return length if s.coverage is None else (length + s.coverage) / 2


def _structure(s: Signals) -> float:
    return min(len(s.markers), 3) / 3


def _answer_score(s: Signals, language: str) -> float:
    """How strong one answer is, to pick which answers the improvements are about."""
    filler_rate = 100 * len(s.fillers) / max(s.words, 1)
    parts = [_depth(s, language), _structure(s), max(0.0, 1 - filler_rate / FILLERS_PER_100_WORDS_AT_ZERO)]
    return mean(parts + ([s.coverage] if s.coverage is not None else []))


# -- criteria -------------------------------------------------------------------------------------
def _relevance(signals: List[Signals], language: str) -> tuple:
    t, n = TEXT[language], len(signals)
    known = [s for s in signals if s.coverage is not None]
    if not known:
        ok = sum(not s.short for s in signals)
        reason = t['relevance_unchecked'].format(ok=ok, answers=n, cap=NO_KEY_POINTS_CAP)
        return round(NO_KEY_POINTS_CAP * ok / n), reason
    hit = sum(len(s.covered) for s in known)
    total = sum(len(s.exchange.key_points) for s in known)
    return round(100 * hit / total), t['relevance'].format(hit=hit, total=total, answers=len(known))


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
    rate = 100 * len(fillers) / max(sum(s.words for s in signals), 1)
    balanced = sum(not s.short and not s.long for s in signals)
    score = 0.6 * max(0.0, 1 - rate / FILLERS_PER_100_WORDS_AT_ZERO) + 0.4 * balanced / n
    items = ', '.join(t['filler_item'].format(word=w, count=c) for w, c in Counter(fillers).most_common(2))
    reason = t['communication'].format(rate=f'{rate:.1f}', top=t['top_fillers'].format(items=items) if items else '',
                                       balanced=balanced, answers=n, long_chars=LONG_ANSWER_CHARS[language])
    return round(100 * score), reason


def _star(signals: List[Signals], language: str) -> tuple:
    reason = TEXT[language]['star'].format(avg=f'{mean(len(s.star_parts) for s in signals):.1f}',
                                           full=sum(len(s.star_parts) == 4 for s in signals), answers=len(signals))
    return round(100 * mean(len(s.star_parts) / 4 for s in signals)), reason


SCORERS = {'relevance': _relevance, 'depth': _depth_criterion, 'structure': _structure_criterion,
           'communication': _communication, 'star': _star}


def _criteria_names(topic: dict) -> List[str]:
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
    bank_topic = _bank().resolve_topic(topic)
    names = _criteria_names(bank_topic)
    signals = [measure(e, language) for e in exchanges]
    criteria = []
    for name in names:
        score, reason = SCORERS[name](signals, language)
        criteria.append({'name': name, 'score': score, 'reason': reason})
    overall = _weighted(criteria)
    uses_star = 'star' in names
    return {
        'overall_score': overall,
        'criteria': criteria,
        'strengths': _strengths(signals, language, uses_star),
        'improvements': _improvements(signals, language, uses_star),
        'questions': [_question_entry(s, language, uses_star) for s in signals],
        'summary': _summary(overall, criteria, len(signals), language),
        'method': TEXT[language]['method'],
        'language': language,
        'source': 'offline',
    }


def _strengths(signals: List[Signals], language: str, uses_star: bool) -> List[str]:
    t = TEXT[language]
    found = []
    covered = max((s for s in signals if s.coverage is not None), key=lambda s: s.coverage, default=None)
    if covered and covered.coverage >= 0.5:
        found.append(t['strength_coverage'].format(q=_brief(covered, language), hit=len(covered.covered),
                                                   total=len(covered.exchange.key_points),
                                                   point=_point_text(covered.covered[0], language)))
    full_star = next((s for s in signals if len(s.star_parts) == 4), None)
    if uses_star and full_star:
        found.append(t['strength_star'].format(q=_brief(full_star, language)))
    structured = max(signals, key=lambda s: len(s.markers))
    if len(structured.markers) >= 2:
        markers = ', '.join(f'"{m}"' for m in structured.markers[:3])
        found.append(t['strength_structure'].format(q=_brief(structured, language), markers=markers))
    fluent = [s for s in signals if not s.fillers and not s.short and not s.long]
    if fluent and len(found) < 3:
        best = max(fluent, key=lambda s: s.chars)
        found.append(t['strength_clear'].format(q=_brief(best, language), chars=best.chars,
                                                quote=_clip(best.exchange.answer, 60)))
    if not found:
        best = max(signals, key=lambda s: s.chars)
        found.append(t['strength_fallback'].format(n=len(signals), q=_brief(best, language),
                                                   quote=_clip(best.exchange.answer, 60)))
    return found[:3]


def _improvements(signals: List[Signals], language: str, uses_star: bool) -> List[dict]:
    ranked = sorted(signals, key=lambda s: _answer_score(s, language))
    found = []
    for s in ranked:
        issues = _issues(s, language, uses_star)
        if issues:
            found.append(_improvement(s, issues[:2]))
    if not found:  # every answer was clean: still one concrete step, on the weakest answer
        found.append(_improvement(ranked[0], [('polish', TEXT[language]['polish'])]))
    return found[:4]


def _issues(s: Signals, language: str, uses_star: bool) -> List[tuple]:
    """What this answer lacks, most important first, each as (kind, suggestion)."""
    t = TEXT[language]
    issues = []
    if s.missed:
        points = '; '.join(_point_text(p, language) for p in s.missed[:3])
        issues.append(('missed', t['missed'].format(q=_brief(s, language), points=points)))
    if s.short:
        issues.append(('short', t['short'].format(chars=s.chars)))
    if len(s.fillers) >= 2 and 100 * len(s.fillers) / max(s.words, 1) >= 3:
        words = ', '.join(f'"{w}"' for w, _ in Counter(w for w, _ in s.fillers).most_common(3))
        issues.append(('filler', t['filler'].format(fillers=words, count=len(s.fillers))))
    if s.long:
        issues.append(('long', t['long'].format(chars=s.chars)))
    missing_star = [p for p in STAR_MARKERS if p not in s.star_parts]
    if uses_star and missing_star and not s.short:
        parts = ', '.join(t['star_parts'][p] for p in missing_star)
        issues.append(('star', t['star_missing'].format(parts=parts)))
    if not s.markers and not s.short:
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
    outline += generic[:max(0, 3 - len(outline))]  # a bank question with few key points still gets 3 steps
    return {
        'question': s.exchange.question,
        'answer_excerpt': _excerpt(s.exchange.answer),
        'coverage': None if s.coverage is None else round(s.coverage, 2),
        'suggested_outline': outline,
    }


def _summary(overall: int, criteria: List[dict], answers: int, language: str) -> str:
    labels = TEXT[language]['labels']
    best = max(criteria, key=lambda c: c['score'])
    worst = min(criteria, key=lambda c: c['score'])
    return TEXT[language]['summary'].format(score=overall, answers=answers, best=labels[best['name']],
                                            best_score=best['score'], worst=labels[worst['name']],
                                            worst_score=worst['score'])


# -- text shaping ---------------------------------------------------------------------------------
def _brief(s: Signals, language: str) -> str:
    """A short name for the question (or, with no question, the opening answer)."""
    if not s.exchange.question:
        return TEXT[language]['opening']
    return _clip(s.exchange.question, 40, ellipsis=True)


def _point_text(point: dict, language: str) -> str:
    return point.get(language) or point.get('en') or ''


def _clip(text: str, limit: int, ellipsis: bool = False) -> str:
    """A prefix of `text` of at most `limit` characters, cut at a word boundary when there is one."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(' '), cut.rfind('\n'))
    if space > limit // 2:
        cut = cut[:space]
    cut = cut.rstrip(' \n,;:')
    return cut + '…' if ellipsis else cut


def _excerpt(answer: str) -> str:
    excerpt = _clip(answer, EXCERPT_CHARS)
    return excerpt if excerpt == answer.strip() else excerpt + '…'


def _quote(answer: str, start: int) -> str:
    """Verbatim words of the answer from `start`: up to a sentence end when one falls late enough."""
    rest = answer[start:].strip()
    if len(rest) <= QUOTE_CHARS:
        return rest
    ends = [m.end() for m in SENTENCE_END.finditer(rest[:QUOTE_CHARS]) if m.end() >= 40]
    return rest[:ends[-1]] if ends else _clip(rest, QUOTE_CHARS)


def _filler_window(answer: str, position: int) -> int:
    """Where to start quoting so the filler at `position` is inside the quote."""
    ends = [m.end() for m in SENTENCE_END.finditer(answer[:position])]
    start = ends[-1] if ends else 0
    if position - start > 60:
        space = answer.rfind(' ', start, position - 40)
        start = space + 1 if space >= 0 else position
    return start

"""One answer measured: the signals the offline report is built from (key points mentioned as
words, sentences or a list, length, filler words that stand as filler, signposts, STAR parts),
and the per-answer scores the report's criteria average. Heuristics, named as such in the report.
"""
import re
from dataclasses import dataclass
from statistics import mean
from typing import List, Optional

from chalicelib.interviewers import reading
from chalicelib.transcript import INTRO, Exchange

# Korean packs about 2.4 times the meaning into a character, so every length threshold differs.
LONG_ANSWER_CHARS = {'ko': 700, 'en': 1500}
FULL_DEPTH_CHARS = {'ko': 150, 'en': 350}
FILLERS_PER_100_WORDS_AT_ZERO = 8  # at this filler rate the filler half of communication is 0
LIST_ONLY_QUALITY = 0.34  # below this an answer reads as a list of terms, not sentences

# Filler only where it stands as filler: "um"/"uh" always; "like", "you know", "basically"…
# only when set off by commas or dots ("it was, like, slow"), never in "tools like Redis".
EN_FILLERS = re.compile(r"(?<![\w'])(u+m+|u+h+|e+r+m+|h+m+)(?![\w'])|(?:(?<=[,.…])|^)\s*(like|you know|basically|"
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
# Where a bare word would also match something else: "Next.js"; "so" opening an answer or set off
# by commas ("So, um, yeah, so, like…") is filler, not a reason.
EN_SIGNPOST_PATTERNS = {'next': r'next(?!\.\w)', 'so': r'(?<=[\w,] )so(?!\s*,)'}
KO_SIGNPOSTS = ['첫째', '둘째', '셋째', '먼저', '우선(?!순위)', '다음으로', '그다음', '그리고', '또한', '게다가',
                '하지만', '반면', '대신', '즉(?![가-힣])', '예를 들', '예컨대', '왜냐하면', '때문', '덕분',
                '그래서', '따라서', '결과적으로', '마지막으로', '그러면', '그러니까']
SIGNPOSTS = [(word, re.compile(r'(?<![\w])' + EN_SIGNPOST_PATTERNS.get(word, re.escape(word)) + r'(?![\w])',
                               re.IGNORECASE)) for word in EN_SIGNPOSTS]
# Said back as whole words: '예를 들' is matched (예를 들면, 예를 들어) but shown as '예를 들어'.
KO_SHOWN = {'예를 들': '예를 들어', '때문': '때문에', '덕분': '덕분에'}
SIGNPOSTS += [(KO_SHOWN.get(re.sub(r'\(.*\)', '', word), re.sub(r'\(.*\)', '', word)),
               re.compile(r'(?<![\w])' + word)) for word in KO_SIGNPOSTS]
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
        quality=reading.sentence_quality(answer, [w for p in points for w in p.get('keywords', [])]) if answered else 0.0,
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


def length_score(s: Signals, language: str) -> float:
    score = min(1.0, s.chars / FULL_DEPTH_CHARS[language])
    return score * 0.7 if s.long else score  # rambling is not depth


def depth_score(s: Signals, language: str) -> float:
    length = length_score(s, language) * s.weight
    return length if s.coverage is None else (length + s.coverage) / 2


SIGNPOSTS_FOR_FULL_STRUCTURE = 2  # "First … because …": an answer that shows its order and its reason


def structure_score(s: Signals) -> float:
    return min(len(s.markers), SIGNPOSTS_FOR_FULL_STRUCTURE) / SIGNPOSTS_FOR_FULL_STRUCTURE * s.weight


def delivery_score(s: Signals) -> float:
    filler_rate = 100 * len(s.fillers) / max(s.words, 1)
    balanced = not s.short and not s.long
    return (0.6 * max(0.0, 1 - filler_rate / FILLERS_PER_100_WORDS_AT_ZERO) + 0.4 * balanced) * s.weight


def answer_score(s: Signals, language: str) -> float:
    """How strong one answer measures, to pick which answers the improvements are about."""
    parts = [depth_score(s, language), structure_score(s), delivery_score(s)]
    return mean(parts + ([s.coverage] if s.coverage is not None else []))




def is_intro(s: Signals) -> bool:
    return s.exchange.question_id == INTRO

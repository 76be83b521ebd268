"""Reading a candidate's answer without judging it: which key points it mentions (matched as
words, not substrings), whether it is an answer at all, and whether it is said in sentences.

Everything here is a heuristic and is named as one wherever it reaches a candidate.
"""
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import List, Optional

from chalicelib.interviewers.bank import topics

# A keyword counts only where a word starts: Latin "index" matches "indexes" but "get" not
# "target"; Korean stems carry their particles after them, so "멱등" matches "멱등성을" but
# "주도" does not match "제주도".
WORD_START = r'(?<![\w])'
# Korean packs more meaning into a character than English, so "short" differs by language.
SHORT_ANSWER_CHARS = {'ko': 25, 'en': 60}

SUBSTANTIVE = 'substantive'
EMPTY, NON_ANSWER, GIBBERISH, OFF_TOPIC, STEERING, GREETING = (
    'empty', 'non_answer', 'gibberish', 'off_topic', 'steering', 'greeting')
NOT_ANSWERS = {EMPTY, NON_ANSWER, GIBBERISH, OFF_TOPIC, STEERING, GREETING}

NON_ANSWER_PATTERN = re.compile(
    r"모르겠|모릅니다|글쎄|몰라|몰라요|잘 모르|기억이 (안|나지)|생각이 (안|나지)|패스|넘어가|답을 못|"
    r"\bi\s*(do not|don'?t|dont)\s*know\b|\bno idea\b|\bnot sure\b|\bidk\b|\bno clue\b|\bpass\b|"
    r"\bskip\b|\bcan'?t (remember|recall|say)\b|\bi have no\b", re.IGNORECASE)
GREETING_PATTERN = re.compile(r'안녕|반갑|처음 뵙|\bhello\b|\bhi\b|\bhey\b|\bgood (morning|afternoon|evening)\b|'
                              r'\bnice to meet\b', re.IGNORECASE)
# Requests to the interviewer, not answers. Words that also come up in real answers ("a perfect
# score of 100", "100점 만점에 42점", "pretend you have a table of 5,000 rows", "시스템 지시가 무시될
# 수 있으니" about prompt injection) count only with a request to the interviewer around them.
STEERING_PATTERN = re.compile(
    r'ignore (all |any |the |your |previous |prior |above )*(instructions|rules|prompt)|'
    r'\b(your|print|show|reveal|repeat|output|display|dump|leak|tell me|what is|what\'s)( me)?( the| your)? system prompt|'
    r'your (instructions|rules|notes|prompt)\b|jailbreak|pretend (to be|you\'?re|you are) (an? |my |the )?'
    r'(different |new )?(interviewer|assistant|ai|bot|model|candidate|friend|human|hiring manager)|you are now|'
    r'\b(you|please|now) act as\b|\bact as (if|my)\b|'
    r'\breveal (your|the) (instructions|prompt|notes|system)|developer mode|'
    r'(give|rate|score|grade|mark) (me|my answers?|this( answer)?)\b.{0,20}\b(100|full|perfect|ten|high)|'
    r'(which|what) key points (you|do you)|(tell|show) me (the|your) (rubric|key points|grading)|'
    r'(너의|네|시스템) ?(프롬프트|설정|지시문?|규칙)(을|를|은|는)? ?(보여|알려|출력|공개|말해)|'
    r'프롬프트(를|을)? ?(보여|알려|출력)|지시(를|는|사항)? ?(무시|알려|보여)|(지시|명령|규칙|프롬프트)\S* ?무시하고|'
    r'역할(을|은)? ?(그만|바꿔|바꾸)|(친구|면접관|지원자) 역할(을|을 좀)? ?(해|해 줘|해줘|하세요)|시스템 ?메시지(를|을)? ?(보여|알려)|'
    r'(만점|100점|최고점)(으로|을|를)? ?(줘|주세요|달라|주라|처리|매겨|받게)|점수(를)? ?(좀 )?(높게|잘|많이|올려)( 줘| 주세요| 줘요)?|'
    r'채점 기준(이|을|은)? ?(뭔지|무엇인지|알려|보여)|'
    r'(메모|노트|기록|notes?)(를|을)? ?(그대로 |전부 |다 )?(보여|알려|출력|공개)|내부 메모|internal notes|'
    r'show me (your|the) notes|hidden notes|stop being (an |the |my )?interviewer|tell me a joke|^\s*(system|시스템)\s*:|'
    r'합격(이다|시켜|으로)|hire me|mark me as|'
    r'you must (pass|hire|approve)|overall_score|set (my |the )?(overall )?score|score to 100|###', re.IGNORECASE)
# Everyday subjects an interview answer has no reason to dwell on: with no topic word at all,
# an answer about these is taken as off the question.
OFF_TOPIC_PATTERN = re.compile(
    r'여행|주말|제주|요리|맛집|영화|날씨|축구|야구|강아지|고양이|드라마|휴가|바다|캠핑|등산|'
    r'\btrip\b|\bweekend\b|\bvacation\b|\bholiday\b|\bcooking\b|\brecipe\b|\bmovie\b|\bweather\b|'
    r'\bsoccer\b|\bfootball\b|\bbaseball\b|\bmy dog\b|\bmy cat\b|\bbeach\b|\bcamping\b|\bhiking\b|'
    r'\bgrand(mother|father|ma|pa)\b|\bmy (uncle|aunt|mom|dad|mother|father)\b|\bgarden\b|\bbasement\b|'
    r'\bboat\b|\bstorm\b|\bfishing\b|할머니|할아버지|삼촌|이모|고모|텃밭|지하실|낚시|보트', re.IGNORECASE)
# Off-topic by vocabulary: answers of at least STORY_MIN_WORDS content words of which at most
# STORY_WORK_SHARE are words the banks use; with an everyday cue word, under CUED_WORK_SHARE.
STORY_MIN_WORDS, STORY_WORK_SHARE, CUED_WORK_SHARE = 8, 0.5, 0.7
VOCAB_LATIN = re.compile(r"[a-z][a-z0-9+#.'-]*[a-z0-9+#]|[a-z]")
HANGUL_WORD = re.compile(r'[\uac00-\ud7a3]+')
VOCAB_STOPWORDS = {
    'and', 'or', 'had', 'did', 'all', 'about', 'there', 'their', 'them', 'what', 'just', 'really', 'very', 'also',
    'some', 'into', 'over', 'could', 'like', 'one', 'two', 'three', 'every', 'your', 'his', 'her', 'she', 'him',
    'its', 'out', 'get', 'got', 'went', 'made', 'make', 'much', 'many', 'more', 'most', 'other', 'been', 'being',
    'after', 'before', 'again', 'once', 'last', 'next', 'these', 'those', 'here', 'where', 'why', 'how', 'who',
    'yes', 'yeah', 'okay', 'sure', 'well', 'even', 'still', 'only', 'now', 'while', 'anyway', 'honestly',
    'actually', 'thing', 'things', 'lot', 'day', 'days', 'time', 'year', 'years', 'week', 'month', 'night',
    'morning', 'half', 'whole', 'big', 'small', 'little', 'good', 'great', 'bad', 'new', 'old', 'first'}
KO_VOCAB_STOPWORDS = {'그리고', '그래서', '하지만', '그런데', '정말', '너무', '진짜', '그냥', '저는', '제가', '저희', '우리',
                      '그때', '요즘', '이번', '지난', '다음', '같이', '함께', '많이', '조금', '항상', '매일'}
KO_COURTESY = ('하세요', '하십니까', '습니다', '잘', '부탁', '감사', '네', '예', '저도', '만나', '뵙', '반갑', '오늘', '면접관')
# The parts of a STAR story: a candidate who says '상황은…' is only naming the part, not making a point.
STORY_LABELS = {'상황', '과제', '행동', '결과', 'situation', 'task', 'action', 'result'}
# Particles that follow a Korean noun, longest first, taken off a word said back to the candidate.
KO_PARTICLES = ('에서는', '으로는', '이라는', '에서', '으로', '까지', '부터', '처럼', '보다', '라는', '이나', '에는',
                '은', '는', '이', '가', '을', '를', '에', '로', '와', '과', '도', '만', '의', '나')
KEYBOARD_ROWS = ('qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1234567890')
UNLIKE_ENGLISH = -4.0  # flags 0.7% of the banks' English words and 77% of random letter strings
JAMO = re.compile(r'[\u3131-\u318e]')
HANGUL = re.compile(r'[\uac00-\ud7a3]')
LATIN_WORD = re.compile(r'[a-z]+')
# Function words show that an English answer is said in sentences, not listed as keywords.
EN_FUNCTION_WORDS = {
    'the', 'a', 'an', 'is', 'are', 'was', 'were', 'be', 'it', 'to', 'of', 'in', 'on', 'for', 'that', 'this',
    'because', 'when', 'so', 'if', 'we', 'i', 'you', 'they', 'can', 'will', 'would', 'should', 'which', 'by',
    'with', 'then', 'but', 'has', 'have', 'do', 'does', 'not', 'my', 'our', 'as', 'than', 'at', 'from',
    'and', 'or', 'them', 'it\'s', 'i\'d', 'i\'m', 'just', 'maybe', 'some', 'every', 'there', 'what', 'how'}
# Korean sentences and clauses end in verbal endings; a keyword list has none.
KO_PREDICATE_ENDINGS = ('다', '요', '죠', '데', '지만', '면서', '므로', '어서', '아서', '해서', '하고', '되고', '이고',
                        '있고', '없고', '며', '려면', '하면', '되면', '으면', '니까', '도록', '는지', '인지', '할지')
KO_CONJUNCTIONS = {'그리고', '그래서', '하지만', '그러나', '그러고', '그러면', '또는', '혹은', '그런데', '예를'}


def mentions(text: str, keyword: str) -> bool:
    """Whether `text` mentions `keyword` at a word start (case-insensitive)."""
    return re.search(WORD_START + re.escape(keyword.lower()), text.lower()) is not None


def points_mentioned(points: List[dict], answer: str) -> List[dict]:
    """The key points any of whose keywords the answer mentions."""
    text = answer.lower()
    return [p for p in points if any(mentions(text, word) for word in p.get('keywords', []))]


def keywords_heard(points: List[dict], answer: str, limit: int = 2, asked: str = '') -> List[str]:
    """The words of the answer that matched `points`' keywords, in the answer's own order, at most
    `limit`: whole words as the candidate wrote them ("parsing" for the keyword "pars", "GET" not
    "get", '멱등성' without its particle), never a word the question itself used, and never a Korean
    verb form ('느려서'), which said back alone makes no sense."""
    text, question = answer.lower(), asked.lower()
    found = []
    for point in points:
        for word in point.get('keywords', []):
            match = re.search(WORD_START + re.escape(word.lower()), text)
            said = _whole_word(answer, match.start(), match.end()) if match else None
            if said and not mentions(question, said.lower()) and said.lower() not in (w.lower() for _, w in found) \
                    and said.split()[0].lower() not in EN_FUNCTION_WORDS and said.lower() not in STORY_LABELS \
                    and not (' ' in said and HANGUL.search(said)):  # not "the problem was", '…트랜잭션으로 묶'
                found.append((match.start(), said))
                break
    return [word for _, word in sorted(found)[:limit]]


def _whole_word(answer: str, start: int, end: int) -> Optional[str]:
    """The word a keyword match starts, to its end; None for a Korean verb form."""
    while end < len(answer) and (answer[end].isalnum() or answer[end] in '+#' or
                                 (answer[end] in '-.' and end + 1 < len(answer) and answer[end + 1].isalnum())):
        end += 1
    word = answer[start:end]
    if not HANGUL.search(word[-1:]):
        return word
    for particle in KO_PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            word = word[:-len(particle)]
            break
    return None if word.endswith(KO_PREDICATE_ENDINGS + ('해', '하', '게', '지', '고', '서', '면', '된', '될', '한', '할',
                                                          '록', '적')) else word


def key_point_coverage(question: dict, answer: str) -> float:
    """Share of the question's key points the answer mentions (1.0 when it has none)."""
    points = question.get('key_points', [])
    if not points:
        return 1.0
    return len(points_mentioned(points, answer)) / len(points)


def _letters(text: str) -> str:
    return ''.join(ch for ch in text if unicodedata.category(ch).startswith('L'))


def _bank_english_texts():
    """The English of the banks' questions, follow-ups and key points, one text at a time."""
    for topic in topics().values():
        for question in topic['questions']:
            yield from [question['en'], question['follow_up']['en'], *(p['en'] for p in question['key_points'])]


@lru_cache(maxsize=1)
def _bank_english_words() -> frozenset:
    return frozenset(LATIN_WORD.findall(' '.join(_bank_english_texts()).lower()))


@lru_cache(maxsize=1)
def _letter_pairs() -> tuple:
    """How often each letter follows another in English, counted over the banks' own English."""
    pairs, firsts = Counter(), Counter()
    for word in LATIN_WORD.findall(' '.join(_bank_english_texts()).lower()):
        word = f'^{word}$'
        pairs.update(a + b for a, b in zip(word, word[1:]))
        firsts.update(word[:-1])
    return pairs, firsts


def _unlike_english(token: str) -> bool:
    """A mean letter-pair log-likelihood below what 99% of the banks' words reach: mashed keys."""
    pairs, firsts = _letter_pairs()
    word = f'^{token}$'
    score = sum(math.log((pairs[a + b] + 0.1) / (firsts[a] + 2.7)) for a, b in zip(word, word[1:]))
    return score / (len(word) - 1) < UNLIKE_ENGLISH


def is_gibberish(text: str) -> bool:
    """Keyboard mashing, bare jamo ("ㅁㄴㅇㄹ ㅋㅋㅋ") or letter runs no language has."""
    tokens = re.findall(r'\w+', text)
    if not tokens:
        return False
    if HANGUL.search(text) and len(HANGUL.findall(text)) >= len(_letters(text)) / 2:
        return False  # Korean syllables are words
    odd = 0
    for original in tokens:
        token = original.lower()
        if JAMO.search(token) or token.isdigit():
            odd += 1
        elif LATIN_WORD.fullmatch(token) and not (original.isupper() and len(original) <= 6):  # not "SQL"
            mashed = len(token) >= 3 and any(token in row or token[::-1] in row for row in KEYBOARD_ROWS)
            no_vowel = len(token) >= 3 and not re.search(r'[aeiouy]', token)
            # A capitalised or lone odd-looking word may be a name ("Kafka"); several make mashed keys.
            unlike = len(tokens) > 1 and len(token) >= 3 and original.islower() and _unlike_english(token)
            odd += mashed or no_vowel or unlike
    return odd / len(tokens) >= 0.5


def classify(answer: str, topic_keywords: frozenset = frozenset()) -> str:
    """What kind of reply this is: SUBSTANTIVE, or one of NOT_ANSWERS."""
    text = ' '.join(answer.split())
    letters = _letters(text)
    if len(letters) < 2 and not re.search(r'\d', text):
        return EMPTY
    if STEERING_PATTERN.search(text):
        return STEERING
    if is_gibberish(text):
        return GIBBERISH
    short = len(text) < (40 if HANGUL.search(text) else 80)
    if NON_ANSWER_PATTERN.search(text):
        rest = NON_ANSWER_PATTERN.sub('', text)
        # "not sure. blue green maybe?" is a guess to engage with, not a plain "I don't know".
        if len(_letters(rest)) < 25 and not any(mentions(rest, w) for w in topic_keywords):
            return NON_ANSWER
    if short and GREETING_PATTERN.search(text) and not any(mentions(text, w) for w in topic_keywords) \
            and _content_words(GREETING_PATTERN.sub('', text)) < 3:  # "hi im sam, junior dev…" introduces
        return GREETING
    if _lone_unknown_word(text) and not any(mentions(text, w) for w in topic_keywords):
        return GIBBERISH  # "vev", "gethw": not a word any question or key point uses
    cues = {m.group(0).lower() for m in OFF_TOPIC_PATTERN.finditer(text)}
    known, counted = work_vocabulary_share(text)
    if cues and (sum(mentions(text, w) for w in topic_keywords) < len(cues) or known < CUED_WORK_SHARE):
        return OFF_TOPIC  # more weekend than work
    if counted >= STORY_MIN_WORDS and known <= STORY_WORK_SHARE:
        return OFF_TOPIC  # a story told in words no interview question or key point uses
    return SUBSTANTIVE


def work_vocabulary_share(text: str) -> tuple:
    """(share, count) of the answer's content words that the question banks use anywhere (an
    English word by its first five letters, a Korean one by its first two syllables). Measured on
    sat interviews: real answers, weak ones and behavioural stories included, 0.57 or more; a
    story about a grandmother's tomatoes or a football match 0.33-0.5."""
    lowered = text.lower()
    english, korean = _bank_vocabulary()
    latin = [w for w in VOCAB_LATIN.findall(lowered)
             if len(w) >= 3 and w not in VOCAB_STOPWORDS and w not in EN_FUNCTION_WORDS]
    hangul = [w for w in HANGUL_WORD.findall(lowered) if w not in KO_VOCAB_STOPWORDS]
    known = [w[:5] in english for w in latin] + [w[:2] in korean for w in hangul]
    return (sum(known) / len(known) if known else 1.0), len(known)


@lru_cache(maxsize=1)
def _bank_vocabulary() -> tuple:
    texts = []
    for topic in topics().values():
        for question in topic['questions']:
            follow_up = question.get('follow_up', {})
            for part in [question, follow_up, *question.get('framings', []),
                         *question['key_points'], *follow_up.get('key_points', [])]:
                texts += [part.get('ko', ''), part.get('en', ''), ' '.join(part.get('keywords', []))]
    text = ' '.join(texts).lower()
    return (frozenset(w[:5] for w in VOCAB_LATIN.findall(text) if len(w) >= 3),
            frozenset(w[:2] for w in HANGUL_WORD.findall(text)))


def _content_words(text: str) -> int:
    """Words that say something beyond courtesy ("how are you", "잘 부탁드립니다" do not)."""
    words = [w.lower() for w in re.findall(r'\w{2,}', text)]
    return sum(1 for w in words if w not in EN_FUNCTION_WORDS and w not in VOCAB_STOPWORDS
               and not w.startswith(KO_COURTESY))


def _lone_unknown_word(text: str) -> bool:
    """A whole reply of one lower-case Latin word that no bank question or key point uses: a
    one-word technical answer ("idempotency") is left as an answer, and so is a capitalised
    word, which may be a name ("Kafka", "SQL"); a topic's own term is checked by the caller."""
    tokens = re.findall(r'\w+', text)
    if len(tokens) != 1 or not (tokens[0].isascii() and tokens[0].isalpha() and tokens[0].islower()):
        return False
    return tokens[0] not in _bank_english_words()


def sentence_quality(answer: str, keywords=()) -> float:
    """0 for a bare list of keywords, 1 for an answer said in sentences: the share of clauses
    that read as clauses (Korean verbal endings; English function words). Words inside the
    question's own keywords do not count as sentence words, so a list of keyword phrases that
    carry 'my' or 'the' ("my deploy, take ownership") still reads as a list."""
    for word in sorted(keywords, key=len, reverse=True):
        if ' ' in word:
            answer = re.sub(WORD_START + re.escape(word), 'KEYWORD', answer, flags=re.IGNORECASE)
    tokens = [t.strip('.,!?…~·;:"\'()[]') for t in answer.split()]
    tokens = [t for t in tokens if t]
    if not tokens:
        return 0.0
    fragments = [len(f.split()) for f in re.split(r'[,;、]|[.!?…]+(?:\s|$)', answer) if f.strip()]
    if len(fragments) >= 4 and sum(n for n in fragments if n <= 2) >= 0.7 * sum(fragments):
        return 0.0  # mostly pieces of one or two words between commas: a list, whatever its words
    if HANGUL.search(answer):
        predicates = sum(1 for t in tokens if t not in KO_CONJUNCTIONS and t.endswith(KO_PREDICATE_ENDINGS))
        return min(1.0, predicates / max(1.0, len(tokens) / 8))  # formal Korean: a predicate per ~8 words
    function = sum(1 for t in tokens if t.lower() in EN_FUNCTION_WORDS)
    return min(1.0, function / max(1.0, len(tokens) * 0.25))  # a quarter of English prose is function words

"""The built-in interviewer: question banks shipped as data, no network, no key.

An interview is shaped like a real one: a self-introduction, questions from the topic's bank
(chosen and phrased by the job description when there is one, avoiding those the user was
asked in recent interviews), at most one follow-up each, and a closing "anything to ask or
add?". It reads each answer (reading.py) and reacts to what kind of answer it was; it never
praises, because it cannot judge whether an answer is right. It never says the same sentence
twice in an interview. Its report is measured, and says so (reports.py).
"""
import random
import re
import secrets
from typing import List, Optional

from chalicelib.interviewers import reading
from chalicelib.interviewers.bank import (names_of, phrases, question_by_id, resolve_topic, topic_keywords,
                                          topics)
from chalicelib.interviewers.base import InterviewContext, InterviewerReply, ReportResult
from chalicelib.reports import offline_report
from chalicelib.transcript import exchanges_from_transcript

WEAK_COVERAGE = 0.34
INTRO, CLOSING = 'intro', 'closing'
MOVE_ON = {reading.STEERING: 'move_on_steering', reading.OFF_TOPIC: 'move_on_off_topic'}
ASKS = re.compile(r'[?？]|궁금|여쭤|여쭙|알고 싶')  # the candidate asks something back at the close
ASKS_SCORE = re.compile(r'\bscore|\bgrade|\bpass(ed)?\b|\bhired?\b|점수|몇 점|합격|통과', re.IGNORECASE)


def spoken_title(topic_text: Optional[str], topic: dict, language: str) -> str:
    """A bank is spoken by its title when named by its id, title or a one-word alias ("백엔드");
    anything longer as typed ("데이터 엔지니어", "iOS 개발자"), without a trailing "면접"/"interview"."""
    typed = (topic_text or '').strip().lower()
    if not typed or (typed in (n.lower() for n in names_of(topic)) and ' ' not in typed) \
            or typed in (topic['id'], *(t.lower() for t in topic['title'].values())):
        title = topic['title'][language]
        first = title.split()[0]
        # Said mid-sentence: "the backend development interview", but "DevOps" stays as it is.
        return title[0].lower() + title[1:] if language == 'en' and first[1:].islower() else title
    title = topic_text.strip()
    for suffix in (' 면접', '면접', ' interview', ' Interview'):
        if title.endswith(suffix) and len(title) > len(suffix):
            return title[:-len(suffix)].strip()
    return title


def framing_for(question: dict, job_description: Optional[str], language: str) -> str:
    """The question as worded for the job description's domain, else as written."""
    if job_description:
        for framing in question.get('framings', []):
            if any(reading.mentions(job_description, word) for word in framing['keywords']):
                return framing[language]
    return question[language]


def relevance(question: dict, job_description: str) -> int:
    """How many of the question's key points and framings the job description speaks of."""
    points = len(reading.points_mentioned(question.get('key_points', []), job_description))
    framed = any(reading.mentions(job_description, w) for f in question.get('framings', []) for w in f['keywords'])
    return points + 3 * framed


class OfflineInterviewer:
    name = 'offline'

    def __init__(self, question_count: int = 5):
        self.question_count = max(2, question_count)

    # -- the interface ------------------------------------------------------------------------
    def open(self, context: InterviewContext) -> InterviewerReply:
        topic = resolve_topic(context.topic)
        state = {'topic_id': topic['id'], 'asked': [], 'current': INTRO, 'follow_up': False,
                 'nudged': False, 'seed': secrets.token_hex(4), 'used': {},
                 'avoid': list(context.recent_questions or [])[-60:]}
        title = spoken_title(context.topic, topic, context.language)
        said = [self._say('opening', context.language, state, topic=title),
                *([self._say('job_noted', context.language, state)] if context.job_description else []),
                self._say('intro_question', context.language, state)]
        return InterviewerReply(text=' '.join(said), state=state)

    def respond(self, context: InterviewContext, answer: str) -> InterviewerReply:
        language = context.language
        state = self._state(context)
        topic = topics().get(state['topic_id']) or resolve_topic(context.topic)
        question = self._asked_now(state)
        kind = reading.classify(answer, topic_keywords(topic['id']))
        points = (question or {}).get('key_points', [])
        asked = (question or {}).get(language, '')
        heard = reading.keywords_heard(points, answer, asked=asked) if kind == reading.SUBSTANTIVE else []
        notes = self._notes(state, kind, points, answer)
        answered = context.answers_so_far + 1

        if state['current'] == CLOSING or answered >= self.question_count:
            return self._close(language, state, notes, answer if state['current'] == CLOSING else '')
        if kind != reading.SUBSTANTIVE and not state['nudged'] and answered < self.question_count - 1:
            state['nudged'] = True
            return InterviewerReply(text=self._nudge(kind, language, state, points), state=state, notes=notes)

        from_intro = state['current'] == INTRO and kind == reading.SUBSTANTIVE
        if kind != reading.SUBSTANTIVE:  # asked once already: move on, and say why where it matters
            lead = [self._say(MOVE_ON.get(kind, 'move_on'), language, state)]
        elif from_intro:
            lead = []
        else:
            lead = [self._acknowledge(language, state, heard)]
        if answered == self.question_count - 1:
            return self._ask_closing(language, state, lead, notes)
        if kind == reading.SUBSTANTIVE and self._wants_follow_up(state, question, answer, language):
            parent = question_by_id(state['current'])
            state.update(follow_up=True, nudged=False)
            text = ' '.join([*lead, self._say('deeper', language, state), parent['follow_up'][language]])
            return InterviewerReply(text=text, state=state, notes=notes)
        transition = 'intro_ack' if from_intro else 'next_question' if kind == reading.SUBSTANTIVE else None
        return self._ask_next(context, topic, state, lead, notes, transition)

    def report(self, context: InterviewContext) -> ReportResult:
        exchanges = exchanges_from_transcript(context.history, context.topic, context.language)
        return ReportResult(offline_report(exchanges, context.topic, context.language))

    # -- moves --------------------------------------------------------------------------------
    def _ask_next(self, context: InterviewContext, topic: dict, state: dict, lead: List[str],
                  notes: Optional[str], transition: Optional[str]) -> InterviewerReply:
        language = context.language
        question = self._pick(topic, state, context)
        if question is None:  # the bank is exhausted: go to the close rather than repeat
            return self._ask_closing(language, state, [*lead, self._say('bank_exhausted', language, state)], notes)
        state.update(asked=[*state['asked'], question['id']], current=question['id'], follow_up=False, nudged=False)
        title = spoken_title(context.topic, topic, language)
        said = [self._say(transition, language, state, topic=title)] if transition else []
        words = [*lead, *said, framing_for(question, context.job_description, language)]
        return InterviewerReply(text=' '.join(words), state=state, notes=notes)

    def _ask_closing(self, language: str, state: dict, lead: List[str], notes: Optional[str]) -> InterviewerReply:
        state.update(current=CLOSING, follow_up=False, nudged=False)
        text = ' '.join([*lead, self._say('closing_question', language, state)])
        return InterviewerReply(text=text, state=state, notes=notes)

    def _close(self, language: str, state: dict, notes: Optional[str], closing_answer: str = '') -> InterviewerReply:
        state['current'] = None
        # A question for the interviewer deserves an answer; a practice interviewer has little to give:
        # the score comes with the feedback, anything about a team is one to ask on the day.
        said = []
        if ASKS.search(closing_answer) or ASKS_SCORE.search(closing_answer):
            said = [self._say('closing_asked_score' if ASKS_SCORE.search(closing_answer) else 'closing_asked',
                              language, state)]
        text = ' '.join([*said, self._say('closing', language, state)])
        return InterviewerReply(text=text, state=state, finished=True, notes=notes)

    @staticmethod
    def _wants_follow_up(state: dict, question: Optional[dict], answer: str, language: str) -> bool:
        """Once per bank question, when a real answer is short or mentions few of its key points."""
        if question is None or state['follow_up'] or state['current'] == INTRO:
            return False
        return (len(answer.strip()) < reading.SHORT_ANSWER_CHARS[language]
                or reading.key_point_coverage(question, answer) < WEAK_COVERAGE)

    def _nudge(self, kind: str, language: str, state: dict, points: List[dict]) -> str:
        kinds = {reading.EMPTY: 'nudge_empty', reading.NON_ANSWER: 'nudge_non_answer',
                 reading.GIBBERISH: 'nudge_gibberish', reading.OFF_TOPIC: 'nudge_off_topic',
                 reading.STEERING: 'decline_steering', reading.GREETING: 'greeting_reply'}
        if state['current'] == INTRO and kind == reading.NON_ANSWER:
            return self._say('nudge_intro', language, state)  # no concept to reason from: just a short intro
        said = [self._say(kinds[kind], language, state)]
        question = self._asked_now(state) or {}
        keyword = _hint_keyword(points, language, question.get(language, ''))
        if kind in (reading.NON_ANSWER, reading.EMPTY) and keyword:
            said.append(self._say('hint', language, state, keyword=keyword))
        return ' '.join(said)

    def _acknowledge(self, language: str, state: dict, heard: List[str]) -> str:
        """Says back what was heard (the answer's own words), never whether it was right."""
        if heard:
            joiner = ', ' if language == 'ko' else ' and '
            return self._say('ack_heard', language, state, points=joiner.join(f"'{w}'" for w in heard))
        return self._say('ack_plain', language, state)

    # -- choosing questions -------------------------------------------------------------------
    def _pick(self, topic: dict, state: dict, context: InterviewContext) -> Optional[dict]:
        remaining = [q for q in topic['questions'] if q['id'] not in state['asked']]
        if not remaining:
            return None
        recent = set(context.recent_questions or []) | set(state.get('avoid', []))
        fresh = [q for q in remaining if q['id'] not in recent]
        pool = fresh or remaining
        if context.job_description:
            best = max(relevance(q, context.job_description) for q in pool)
            if best > 0:
                pool = [q for q in pool if relevance(q, context.job_description) == best]
        return self._rng(state, 'pick').choice(pool)

    def _state(self, context: InterviewContext) -> dict:
        state = dict(context.state or {})
        if state.get('topic_id'):
            state.setdefault('used', {})
            return state
        # Standing in mid-interview for the model: carry on without asking again what it asked.
        # What it said when it stood in before ('asked', 'used') is kept; so no phrase comes twice.
        topic = resolve_topic(context.topic)
        spoken = ' '.join([*context.earlier, *(m.content for m in context.history if m.role == 'assistant')])
        asked = [q['id'] for q in topic['questions'] if q['id'] in state.get('asked', []) or _was_asked(q, spoken)]
        return {'topic_id': topic['id'], 'asked': asked, 'current': None, 'follow_up': True, 'nudged': True,
                'seed': state.get('seed') or secrets.token_hex(4), 'used': state.get('used', {}),
                'avoid': state.get('avoid', [])}

    def _asked_now(self, state: dict) -> Optional[dict]:
        """The question the answer is to: the follow-up's own points when one was asked."""
        question = question_by_id(state.get('current'))
        if question is None:
            return None
        return question['follow_up'] if state.get('follow_up') else question

    # -- words --------------------------------------------------------------------------------
    def _say(self, kind: str, language: str, state: dict, **values) -> str:
        """One of the phrases of `kind`, never one already said in this interview while any is left."""
        options: List[str] = phrases()[language][kind]
        used = state.setdefault('used', {}).setdefault(kind, [])
        unused = [i for i in range(len(options)) if i not in used] or list(range(len(options)))
        choice = self._rng(state, kind).choice(unused)
        state['used'][kind] = [*used, choice]
        return options[choice].format(**values)

    @staticmethod
    def _notes(state: dict, kind: str, points: List[dict], answer: str) -> str:
        if kind != reading.SUBSTANTIVE:
            return f'{state.get("current")}: {kind.replace("_", " ")}'
        covered = len(reading.points_mentioned(points, answer))
        return f'{state.get("current")}: mentioned {covered} of {len(points)} key points'

    @staticmethod
    def _rng(state: dict, salt: str) -> random.Random:
        # Seeded by the interview and its progress: varied across interviews, stable on retry.
        progress = sum(len(v) for v in state.get('used', {}).values())
        return random.Random(f"{state.get('seed')}:{len(state.get('asked', []))}:{progress}:{salt}")


def _hint_keyword(points: List[dict], language: str, asked: str = '') -> Optional[str]:
    """A keyword of the question's first point it helps with, in the interview's script where
    there is one: never a word the question itself says, which would be no hint."""
    asked_words = re.findall(r'\w{3,}', asked.lower())
    for point in points:
        words = [w for w in point.get('keywords', []) if not reading.mentions(asked, w) and
                 not any(reading.mentions(w, part) for part in asked_words)]
        native = [w for w in words if bool(reading.HANGUL.search(w)) == (language == 'ko')]
        usable = native or ([] if language == 'en' else words)  # never a Korean word in English
        if usable:
            return usable[0]
    return None


def _was_asked(question: dict, spoken: str) -> bool:
    """Whether another interviewer already asked this bank question: its text, or two of its key
    points named in what the interviewer said."""
    texts = [question.get('ko'), question.get('en'), *(f.get('ko') for f in question.get('framings', [])),
             *(f.get('en') for f in question.get('framings', []))]
    if any(t and t in spoken for t in texts):
        return True
    return len(reading.points_mentioned(question['key_points'], spoken)) >= 2

"""The built-in interviewer: question banks shipped as data, no network, no key.

It asks one question at a time from the topic's bank (those a job description mentions
first), never the same one twice in an interview, follows up once when an answer is short
or misses most key points, and closes after the configured number of questions, follow-ups
included, just as the model interviewer does. Its report is computed from measurable signals.
"""
import json
import random
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import List, Optional

from chalicelib.interviewers.base import (InterviewContext, InterviewerReply, ReportResult,
                                          is_last_question)
from chalicelib.reports import exchanges_from_transcript, offline_report

DATA_DIR = Path(__file__).resolve().parent.parent / 'data'
# Korean packs more meaning into a character than English, so "short" differs by language.
SHORT_ANSWER_CHARS = {'ko': 25, 'en': 60}
WEAK_COVERAGE = 0.34
GOOD_COVERAGE = 0.5


@lru_cache(maxsize=1)
def topics() -> dict:
    """Every built-in topic by id, loaded once per container."""
    loaded = {}
    for path in sorted((DATA_DIR / 'topics').glob('*.json')):
        topic = json.loads(path.read_text(encoding='utf-8'))
        loaded[topic['id']] = topic
    return loaded


@lru_cache(maxsize=1)
def phrases() -> dict:
    return json.loads((DATA_DIR / 'phrases.json').read_text(encoding='utf-8'))


def resolve_topic(text: Optional[str]) -> dict:
    """The built-in topic a free-text topic names (by id, title or alias), else `general`."""
    bank = topics()
    needle = (text or '').strip().lower()
    if needle in bank:
        return bank[needle]
    for topic in bank.values():
        names = [topic['id'], *topic['title'].values(), *topic.get('aliases', [])]
        if any(name.lower() == needle for name in names):
            return topic
    for topic in bank.values():
        if any(len(alias) >= 3 and alias.lower() in needle for alias in topic.get('aliases', [])):
            return topic
    return bank['general']


def _names_bank(text: Optional[str], topic: dict) -> bool:
    if not text:
        return True
    names = [topic['id'], *topic['title'].values(), *topic.get('aliases', [])]
    return text.strip().lower() in (name.lower() for name in names)


def _fresh_state(topic: dict, answered: int) -> dict:
    return {'topic_id': topic['id'], 'asked': [], 'current': None, 'followed_up': False,
            'answered': answered, 'seed': secrets.token_hex(4)}


def _relevance(question: dict, job_description: str) -> int:
    text = job_description.lower()
    return sum(1 for point in question.get('key_points', [])
               if any(mentions(text, word) for word in point['keywords']))


def _notes(question: Optional[dict], coverage: float, short: bool) -> Optional[str]:
    if question is None:
        return None
    covered = round(coverage * len(question.get('key_points', [])))
    return (f"{question['id']}: covered {covered} of {len(question.get('key_points', []))} key points"
            + ('; short answer' if short else ''))


def mentions(text: str, keyword: str) -> bool:
    """Whether `text` (lower-cased) mentions `keyword`: at a word start for Latin script, so
    "index" matches "indexes" but "get" not "target"; anywhere for Korean, whose particles
    attach to the stem."""
    keyword = keyword.lower()
    if keyword.isascii():
        return re.search(r'(?<![a-z0-9])' + re.escape(keyword), text) is not None
    return keyword in text


def key_point_coverage(question: dict, answer: str) -> float:
    """Share of the question's key points whose keywords appear in the answer."""
    points = question.get('key_points', [])
    if not points:
        return 1.0
    text = answer.lower()
    hit = sum(1 for point in points if any(mentions(text, word) for word in point['keywords']))
    return hit / len(points)


class OfflineInterviewer:
    name = 'offline'

    def __init__(self, question_count: int = 5):
        self.question_count = max(1, question_count)

    def open(self, context: InterviewContext) -> InterviewerReply:
        topic = resolve_topic(context.topic)
        state = _fresh_state(topic, answered=0)
        # A topic that names a bank is spoken by its title in the interview's language.
        title = topic['title'][context.language] if _names_bank(context.topic, topic) else context.topic
        opening = self._phrase('opening', context.language, state).format(topic=title)
        return self._ask_next(context.language, topic, state, opening, context.job_description)

    def respond(self, context: InterviewContext, answer: str) -> InterviewerReply:
        state = dict(context.state or {})
        if not state.get('topic_id'):  # standing in mid-interview for the model: just carry on
            topic = resolve_topic(context.topic)
            state = _fresh_state(topic, answered=context.answers_so_far + 1)
            if is_last_question(context, self.question_count):
                return self._close(context.language, state, self._phrase('reaction_neutral', context.language, state))
            lead = f"{self._phrase('reaction_neutral', context.language, state)} {self._phrase('next_question', context.language, state)}"
            return self._ask_next(context.language, topic, state, lead, context.job_description)
        language = context.language
        topic = topics().get(state['topic_id']) or resolve_topic(context.topic)
        question = self._question(topic, state.get('current'))
        coverage = key_point_coverage(question, answer) if question else 1.0
        short = len(answer.strip()) < SHORT_ANSWER_CHARS.get(language, 40)
        notes = _notes(question, coverage, short)
        state['answered'] = int(state.get('answered', 0)) + 1
        last = is_last_question(context, self.question_count)

        if not last and question and (short or coverage < WEAK_COVERAGE) and not state.get('followed_up'):
            state['followed_up'] = True
            text = f"{self._phrase('reaction_short', language, state)} {question['follow_up'][language]}"
            return InterviewerReply(text=text, state=state, notes=notes)

        reaction = self._phrase('reaction_good' if coverage >= GOOD_COVERAGE and not short
                                else 'reaction_neutral', language, state)
        if last:
            return self._close(language, state, reaction, notes)
        lead = f"{reaction} {self._phrase('next_question', language, state)}"
        return self._ask_next(language, topic, state, lead, context.job_description, notes)

    def report(self, context: InterviewContext) -> ReportResult:
        exchanges = exchanges_from_transcript(context.history, context.topic, context.language)
        return ReportResult(offline_report(exchanges, context.topic, context.language))

    # -- internals -------------------------------------------------------------------------
    def _ask_next(self, language: str, topic: dict, state: dict, lead: str,
                  job_description: Optional[str] = None, notes: Optional[str] = None) -> InterviewerReply:
        remaining = [q for q in topic['questions'] if q['id'] not in state['asked']]
        if not remaining:  # the bank is exhausted: close rather than repeat a question
            return self._close(language, state, lead.split('. ')[0], notes)
        if job_description:
            # Questions whose key points the job description mentions come first.
            best = max(_relevance(q, job_description) for q in remaining)
            remaining = [q for q in remaining if _relevance(q, job_description) == best]
        question = self._rng(state).choice(remaining)
        state['asked'] = [*state['asked'], question['id']]
        state['current'] = question['id']
        state['followed_up'] = False
        return InterviewerReply(text=f"{lead} {question[language]}", state=state, notes=notes)

    def _close(self, language: str, state: dict, lead: str, notes: Optional[str] = None) -> InterviewerReply:
        state['current'] = None
        return InterviewerReply(text=f"{lead} {self._phrase('closing', language, state)}",
                                state=state, finished=True, notes=notes)

    @staticmethod
    def _question(topic: dict, question_id: Optional[str]) -> Optional[dict]:
        return next((q for q in topic['questions'] if q['id'] == question_id), None)

    def _phrase(self, kind: str, language: str, state: dict) -> str:
        options: List[str] = phrases()[language][kind]
        return self._rng(state, kind).choice(options)

    @staticmethod
    def _rng(state: dict, salt: str = '') -> random.Random:
        # Seeded by the interview and its progress: varied across interviews, stable on retry.
        return random.Random(f"{state.get('seed')}:{len(state.get('asked', []))}:{state.get('answered', 0)}:{salt}")

"""An interview's messages as question/answer exchanges, each answer graded against the
question actually asked: a follow-up by the follow-up's own key points, a question asked in a
job description's framing by its bank question's, a self-introduction by none.
"""
import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from chalicelib.interviewers import reading
from chalicelib.interviewers.bank import bank_questions, phrases, resolve_topic, topic_keywords
from chalicelib.interviewers.base import Message

FALLBACK_QUESTION_CHARS = 300
INTRO, CLOSING, NUDGE = 'intro', 'closing', 'nudge'
# What the offline interviewer says when it re-prompts: the question it re-prompts stays the one asked.
NUDGE_KINDS = ('nudge_non_answer', 'nudge_empty', 'nudge_gibberish', 'nudge_off_topic', 'decline_steering',
               'greeting_reply')


@dataclass(frozen=True)
class Exchange:
    question: str  # the question the candidate answered, as it was asked
    answer: str
    question_id: Optional[str] = None  # the bank question's id ("backend-03", "backend-03/follow_up")
    key_points: list = field(default_factory=list)  # what the question asked for; [] if unknown
    kind: str = reading.SUBSTANTIVE  # whether it was an answer at all (reading.classify)


def exchanges_from_transcript(messages: List[Message], topic: Optional[str], language: str) -> List[Exchange]:
    """Each answer paired with the question it answers, oldest first. Anything said before the
    first question, and the reply to the closing "anything to add?", is no answer to grade."""
    keywords = topic_keywords(resolve_topic(topic)['id'])
    exchanges: List[Exchange] = []
    asked: Optional[Tuple[str, Optional[str], list]] = None
    for message in messages:
        if message.role == 'assistant':
            found = _asked_in(message.content, topic, language)
            if found != NUDGE:
                asked = found
        elif message.role == 'user' and asked is not None and asked != CLOSING and message.content.strip():
            answer = message.content.strip()
            if asked == INTRO:
                exchanges.append(Exchange(_intro_text(language), answer, INTRO, [],
                                          reading.classify(answer, keywords)))
            else:
                text, question_id, points = asked
                exchanges.append(Exchange(text, answer, question_id, points, reading.classify(answer, keywords)))
    return exchanges


def _asked_in(spoken_text: str, topic: Optional[str], language: str):
    """What an interviewer message asks: a bank question (text, id, key points), INTRO, CLOSING,
    NUDGE (a re-prompt of the same question), or a question of the model's own."""
    spoken = _squash(spoken_text)
    for question in bank_questions(topic):
        follow_up = question.get('follow_up', {})
        if follow_up.get(language) and _squash(follow_up[language]) in spoken:
            return follow_up[language], f"{question['id']}/follow_up", list(follow_up.get('key_points', []))
        wordings = [question.get(language), *(f.get(language) for f in question.get('framings', []))]
        asked = next((w for w in wordings if w and _squash(w) in spoken), None)
        if asked:  # reported as it was asked (a job description's framing), graded by the bank's points
            return asked, question['id'], list(question.get('key_points', []))
    said = phrases().get(language, {})
    if any(_squash(p) in spoken for p in said.get('closing_question', [])):
        return CLOSING
    if any(_squash(p) in spoken for p in said.get('intro_question', [])):
        return INTRO
    if any(_squash(p) in spoken for kind in NUDGE_KINDS for p in said.get(kind, [])):
        return NUDGE
    return _spoken_question(spoken_text), None, []


def _intro_text(language: str) -> str:
    return {'ko': '자기소개', 'en': 'Self-introduction'}.get(language, 'Self-introduction')


def _spoken_question(asked: str) -> str:
    """The trailing run of sentences ending in '?', else the whole message, bounded."""
    sentences = re.split(r'(?<=[.!?？。])\s+', asked.strip())
    asking = [i for i, sentence in enumerate(sentences) if sentence.endswith(('?', '？'))]
    if not asking:
        return clip(asked.strip(), FALLBACK_QUESTION_CHARS)
    start = end = asking[-1]
    while start > 0 and sentences[start - 1].endswith(('?', '？')):
        start -= 1
    return clip(' '.join(sentences[start:end + 1]), FALLBACK_QUESTION_CHARS)


def _squash(text: Optional[str]) -> str:
    return ' '.join((text or '').split())


def clip(text: str, limit: int, ellipsis: bool = False) -> str:
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

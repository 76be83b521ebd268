"""Interviews and their turns: the current interview, its history, and one chat turn.

A turn is: use one of today's chats, ask the interviewer, then store the candidate's answer,
the reply and the interview's progress in one transaction. If the interviewer fails the
chat is given back and nothing is stored; speech comes last and can only degrade the reply.
"""
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import List, Optional

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import config, providers, quota
from chalicelib.errors import BadRequest, Conflict, UpstreamUnavailable
from chalicelib.interviewers.base import (DEFAULT_LANGUAGE, LANGUAGES, InterviewContext,
                                          InterviewerReply, InterviewerUnavailable, Message,
                                          topic_title)
from chalicelib.models import InterviewModel, MessageModel, UserModel, connection

logger = logging.getLogger('mock_interviewer')

MAX_ANSWER_CHARS = 4000
MAX_TOPIC_CHARS = 100
INPUT_REQUIRED = 'user_input or interview_topic is required.'
MODEL_UNAVAILABLE = ('The interviewer is unavailable right now. Nothing was saved and this '
                     'did not count against your daily limit; please try again.')
BUSY = 'Another answer to this interview is being processed. Please wait for it and try again.'
FINISHED = 'This interview has finished. Start a new one by sending interview_topic.'


@dataclass(frozen=True)
class ChatRequest:
    user_input: Optional[str]
    topic: Optional[str]


def parse_chat_request(body: dict) -> ChatRequest:
    user_input = _optional_text(body, 'user_input', MAX_ANSWER_CHARS)
    topic = _optional_text(body, 'interview_topic', MAX_TOPIC_CHARS)
    if user_input is None and topic is None:
        raise BadRequest(INPUT_REQUIRED)
    return ChatRequest(user_input, topic)


def _optional_text(body: dict, name: str, max_chars: int) -> Optional[str]:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f'{name} must be a string.')
    value = value.strip()
    if not value:
        return None
    if len(value) > max_chars:
        raise BadRequest(f'{name} must be at most {max_chars} characters (it has {len(value)}).')
    return value


def new_interview_id() -> str:
    """Sorts by creation time (milliseconds), with randomness so ids cannot be guessed."""
    return f'{int(time.time() * 1000):013d}-{secrets.token_hex(8)}'


def current_interview(user: UserModel) -> Optional[InterviewModel]:
    latest = list(InterviewModel.query(user.username_key, scan_index_forward=False, limit=1))
    return latest[0] if latest else None


def messages_of(interview: InterviewModel) -> List[MessageModel]:
    return list(MessageModel.query(interview.interview_id, consistent_read=True))


def describe(interview: InterviewModel) -> str:
    """The visible summary that stands as the `system` entry of a conversation."""
    return f'Mock interview - topic: {interview.topic}; language: {LANGUAGES.get(interview.language, interview.language)} ({interview.language}).'


def conversation(user: UserModel) -> dict:
    """GET /api/chat/gpt/: the current interview oldest first, and today's usage. Read-only."""
    interview = current_interview(user)
    entries = []
    if interview is not None:
        entries.append({'role': 'system', 'content': describe(interview)})
        entries += [{'role': m.role, 'content': m.content} for m in messages_of(interview)]
    body = {'conversations': entries, **quota.status(user).as_dict()}
    if interview is not None:
        body['interview'] = summary(interview)
    return body


def summary(interview: InterviewModel) -> dict:
    return {'id': interview.interview_id, 'topic': interview.topic, 'language': interview.language,
            'status': interview.status, 'turns': int(interview.turns),
            'created_at': _iso(interview.created_at), 'updated_at': _iso(interview.updated_at)}


def chat(user: UserModel, request: ChatRequest) -> tuple:
    """POST /api/chat/gpt/: start an interview or answer in the current one. Returns (body, headers)."""
    started = time.monotonic()
    interview = None if request.user_input is None else current_interview(user)
    if interview is not None and interview.status == 'finished':
        raise Conflict(FINISHED)
    used = quota.consume(user)
    try:
        if interview is None:
            interview, reply = _start(user, request.topic, DEFAULT_LANGUAGE, request.user_input)
        else:
            reply = _answer(interview, request.user_input)
    except BaseException:
        _give_back(user, used)
        raise
    time_left = config.settings().request_deadline_seconds - (time.monotonic() - started)
    audio = providers.audio_store().speak(reply.text, interview.language, deadline_seconds=time_left)
    body = {'response': reply.text, 'audio_url': audio.url, 'interview_id': interview.interview_id,
            **used.as_dict()}
    if audio.error:
        body['audio_error'] = audio.error
    return body, used.headers()


def _give_back(user: UserModel, used: quota.QuotaStatus) -> None:
    try:
        quota.refund(user, used)
    except Exception:  # the turn's own error is the one to report
        logger.exception('could not give back a chat to the daily quota')


def _ask(action, *args) -> InterviewerReply:
    try:
        return action(*args)
    except InterviewerUnavailable as error:
        logger.warning('interviewer %s unavailable: %s', providers.interviewer().name, error.reason)
        raise UpstreamUnavailable(MODEL_UNAVAILABLE, {'Retry-After': '5'})


def _start(user: UserModel, topic: Optional[str], language: str, first_input: Optional[str]) -> tuple:
    now = _now()
    interview = InterviewModel(user.username_key, new_interview_id(), topic=topic_title(topic, language),
                               language=language, status='active', turns=0, next_seq=0,
                               created_at=now, updated_at=now)
    reply = _ask(providers.interviewer().open, InterviewContext(topic=topic, language=language))
    # An answer sent before any question is kept, in order, ahead of the opening question.
    said = [('user', first_input)] if first_input else []
    said.append(('assistant', reply.text))
    _store_turn(interview, said, reply, is_new=True)
    return interview, reply


def _answer(interview: InterviewModel, answer: str) -> InterviewerReply:
    history = [Message(m.role, m.content) for m in messages_of(interview)]
    context = InterviewContext(topic=interview.topic, language=interview.language,
                               history=history, state=dict(interview.interviewer_state or {}))
    reply = _ask(providers.interviewer().respond, context, answer)
    _store_turn(interview, [('user', answer), ('assistant', reply.text)], reply, is_new=False)
    return reply


def _store_turn(interview: InterviewModel, said: list, reply: InterviewerReply, is_new: bool) -> None:
    """Messages and interview progress in one transaction, or nothing at all."""
    now = _now()
    first_seq = int(interview.next_seq)
    answers = sum(1 for role, _ in said if role == 'user')
    try:
        with TransactWrite(connection=connection()) as transaction:
            for offset, (role, content) in enumerate(said):
                transaction.save(MessageModel(interview.interview_id, first_seq + offset, role=role,
                                              content=content, created_at=now),
                                 condition=MessageModel.seq.does_not_exist())
            if is_new:
                interview.next_seq = first_seq + len(said)
                interview.turns = answers
                interview.interviewer_state = reply.state
                interview.status = 'finished' if reply.finished else 'active'
                transaction.save(interview, condition=InterviewModel.interview_id.does_not_exist())
            else:
                transaction.update(interview, actions=[
                    InterviewModel.next_seq.set(first_seq + len(said)),
                    InterviewModel.turns.add(answers),
                    InterviewModel.interviewer_state.set(reply.state),
                    InterviewModel.status.set('finished' if reply.finished else 'active'),
                    InterviewModel.updated_at.set(now),
                ], condition=(InterviewModel.next_seq == first_seq) & (InterviewModel.status == 'active'))
    except TransactWriteError as error:
        codes = [reason.code if reason else None for reason in (error.cancellation_reasons or [])]
        if 'ConditionalCheckFailed' in codes or 'TransactionConflict' in codes:
            raise Conflict(BUSY)
        raise


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace('+00:00', 'Z')

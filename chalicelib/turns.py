"""One turn of an interview: the interviewer's opening question, or its reply to an answer.

A turn is: use one of today's chats, ask the interviewer, then store the candidate's answer,
the reply (with its hidden notes) and the interview's progress in one transaction. If the
interviewer fails the chat is given back and nothing is stored; speech comes last and can
only degrade the reply to text. The turn that ends an interview also writes its report, in
the same transaction, and speaks a few sentences of it: the original page has no report view.
Whatever goes wrong is said in the interview's language (interview_messages.py).
"""
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import config, feedback, interviews, providers, quota
from chalicelib.errors import ApiError, BadRequest, Conflict, UpstreamUnavailable
from chalicelib.fields import optional_text
from chalicelib.interview_messages import (ANSWER_REQUIRED, BUSY, FINISHED, MODEL_UNAVAILABLE,
                                          audio_error_in_language, in_language)
from chalicelib.interviewers.bank import phrases
from chalicelib.interviewers.base import (DEFAULT_LANGUAGE, InterviewContext, InterviewerReply,
                                          InterviewerUnavailable, Message, topic_title)
from chalicelib.models import InterviewModel, MessageModel, UserModel, cancellation_codes, connection

logger = logging.getLogger('mock_interviewer')

INPUT_REQUIRED = 'user_input or interview_topic is required.'  # Part 1's fixed text
RECENT_INTERVIEWS = 5  # questions asked in this many earlier interviews are not asked again soon


@dataclass(frozen=True)
class ChatRequest:
    user_input: Optional[str]
    topic: Optional[str]
    language: str


@dataclass(frozen=True)
class NewInterview:
    topic: str
    language: str
    job_description: Optional[str] = None


def parse_chat_request(body: dict) -> ChatRequest:
    user_input = optional_text(body, 'user_input', interviews.MAX_ANSWER_CHARS)
    topic = optional_text(body, 'interview_topic', interviews.MAX_TOPIC_CHARS)
    if user_input is None and topic is None:
        raise BadRequest(INPUT_REQUIRED)
    return ChatRequest(user_input, topic, interviews.language_field(body))


def parse_new_interview(body: dict) -> NewInterview:
    topic = optional_text(body, 'topic', interviews.MAX_TOPIC_CHARS)
    if topic is None:
        raise BadRequest('topic is required: a built-in topic id from GET /api/topics/ or your own, up to 100 characters.')
    return NewInterview(topic, interviews.language_field(body),
                        optional_text(body, 'job_description', interviews.MAX_JOB_DESCRIPTION_CHARS))


def parse_answer(body: dict) -> str:
    answer = optional_text(body, 'user_input', interviews.MAX_ANSWER_CHARS)
    if answer is None:
        raise BadRequest(ANSWER_REQUIRED['en'])
    return answer


# -- the three ways a turn starts -------------------------------------------------------------
def chat(user: UserModel, body: dict) -> tuple:
    """POST /api/chat/gpt/: a topic alone starts an interview; an answer goes to the current one,
    and once that has finished, starts the next on the same topic and language (the original
    page can only send answers, and cannot recover from an error here)."""
    interview = interviews.current_interview(user)
    language = interview.language if interview is not None else body.get('language') or DEFAULT_LANGUAGE
    try:
        request = parse_chat_request(body)
    except ApiError as error:
        raise in_language(error, language if isinstance(language, str) else DEFAULT_LANGUAGE)
    if request.user_input is None:
        return start(user, NewInterview(request.topic, request.language))
    if interview is None:
        topic = request.topic or topic_title(None, request.language)
        return _run(user, None, request.user_input, NewInterview(topic, request.language))
    if interview.status != 'active':
        again = NewInterview(interview.topic, interview.language, interview.job_description)
        return _run(user, None, request.user_input, again, restart=True)
    return _run(user, interview, request.user_input)


def start(user: UserModel, new: NewInterview) -> tuple:
    return _run(user, None, None, new)


def answer(user: UserModel, interview_id: str, body: dict) -> tuple:
    interview = interviews.find(user, interview_id)
    try:
        user_input = parse_answer(body)
    except ApiError as error:
        raise in_language(error, interview.language)
    return _run(user, interview, user_input)


# -- the turn itself --------------------------------------------------------------------------
def _run(user: UserModel, interview: Optional[InterviewModel], user_input: Optional[str],
         new: Optional[NewInterview] = None, restart: bool = False) -> tuple:
    """Returns (body, headers) of a successful turn, or raises with the quota left untouched."""
    started = time.monotonic()
    deadline = started + config.settings().request_deadline_seconds
    language = interview.language if interview is not None else new.language
    used = quota.consume(user)  # first: with no chats left the answer is 429, whatever else
    try:
        if interview is not None and interview.status != 'active':
            raise Conflict(FINISHED['en'])
        if interview is None:
            interview, reply = _open(user, new, user_input, deadline, restart)
        else:
            reply = _reply(interview, user_input, deadline)
    except BaseException as error:
        _give_back(user, used)
        if isinstance(error, ApiError):
            raise in_language(error, language)
        raise
    quota.record_tokens(user, reply.tokens_in, reply.tokens_out)
    time_left = config.settings().request_deadline_seconds - (time.monotonic() - started)
    audio = providers.audio_store().speak(reply.text, interview.language, user.username_key,
                                          user.audio_salt or '', deadline_seconds=time_left)
    body = {'response': reply.text, 'audio_url': audio.url, 'interview_id': interview.interview_id,
            'interview': interviews.summary(interview), **used.as_dict()}
    if audio.error:
        body['audio_error'] = audio_error_in_language(audio.error, interview.language)
    return body, used.headers()


def _open(user: UserModel, new: NewInterview, first_input: Optional[str], deadline: float,
          restart: bool = False) -> tuple:
    now = _now()
    recent = interviews.recent_questions(user, RECENT_INTERVIEWS)
    interview = InterviewModel(user.username_key, interviews.new_interview_id(), topic=new.topic,
                               language=new.language, status='active', turns=0, next_seq=0,
                               job_description=new.job_description, created_at=now, updated_at=now)
    reply = _ask('open', _context(interview, [], deadline, recent))
    if restart:  # the next interview, begun by an answer to a finished one: say so first
        reply.text = f"{phrases()[new.language]['restart'][0]} {reply.text}"
    # What was sent before any question is kept, in order, ahead of the opening (never graded).
    said = [('user', first_input, None)] if first_input else []
    said.append(('assistant', reply.text, reply.notes))
    _store(interview, said, reply, is_new=True)
    return interview, reply


def _reply(interview: InterviewModel, user_input: str, deadline: float) -> InterviewerReply:
    history = [Message(m.role, m.content, m.notes) for m in interviews.messages_of(interview)]
    reply = _ask('respond', _context(interview, history, deadline), user_input)
    report = None
    if reply.finished:
        ended = _context(interview, [*history, Message('user', user_input)], deadline)
        report, tokens_in, tokens_out = feedback.write_report(ended)
        report['interview_id'] = interview.interview_id
        reply.tokens_in, reply.tokens_out = reply.tokens_in + tokens_in, reply.tokens_out + tokens_out
        reply.text = f'{reply.text} {feedback.spoken(report)}'
    _store(interview, [('user', user_input, None), ('assistant', reply.text, reply.notes)], reply,
           is_new=False, report=report)
    return reply


def _context(interview: InterviewModel, history: list, deadline: Optional[float] = None,
             recent: Optional[list] = None) -> InterviewContext:
    return InterviewContext(topic=interview.topic, language=interview.language, history=history,
                            state=dict(interview.interviewer_state or {}),
                            job_description=interview.job_description,
                            answers_so_far=int(interview.turns or 0), deadline=deadline,
                            recent_questions=list(recent or []))


def _ask(step: str, *args) -> InterviewerReply:
    """`open` or `respond` on the configured interviewer; any failure of the model, including
    its key not being readable, is a 503 the caller can retry."""
    try:
        return getattr(providers.interviewer_within_ceiling(), step)(*args)
    except InterviewerUnavailable as error:
        logger.warning('interviewer unavailable: %s', error.reason)
        raise UpstreamUnavailable(MODEL_UNAVAILABLE['en'], {'Retry-After': '5'})


def _store(interview: InterviewModel, said: list, reply: InterviewerReply, is_new: bool,
           report: Optional[dict] = None) -> None:
    """Messages, interview progress and (on the last turn) the report in one transaction, or nothing."""
    now = _now()
    first_seq = int(interview.next_seq)
    answers = 0 if is_new else 1  # what is sent before the first question answers nothing
    status = 'finished' if reply.finished else 'active'
    try:
        with TransactWrite(connection=connection()) as transaction:
            for offset, (role, content, notes) in enumerate(said):
                transaction.save(MessageModel(interview.interview_id, first_seq + offset, role=role,
                                              content=content, notes=notes, created_at=now),
                                 condition=MessageModel.seq.does_not_exist())
            if is_new:
                interview.next_seq, interview.turns, interview.status = first_seq + len(said), answers, status
                interview.interviewer_state = reply.state
                interview.tokens_in, interview.tokens_out = reply.tokens_in, reply.tokens_out
                transaction.save(interview, condition=InterviewModel.interview_id.does_not_exist())
            else:
                finished = [InterviewModel.report.set(report)] if report is not None else []
                transaction.update(interview, actions=[
                    *finished,
                    InterviewModel.next_seq.set(first_seq + len(said)),
                    InterviewModel.turns.add(answers),
                    InterviewModel.interviewer_state.set(reply.state),
                    InterviewModel.status.set(status),
                    InterviewModel.tokens_in.add(reply.tokens_in),
                    InterviewModel.tokens_out.add(reply.tokens_out),
                    InterviewModel.updated_at.set(now),
                ], condition=(InterviewModel.next_seq == first_seq) & (InterviewModel.status == 'active'))
    except TransactWriteError as error:
        codes = cancellation_codes(error)
        if 'ConditionalCheckFailed' in codes or 'TransactionConflict' in codes:
            raise Conflict(BUSY['en'])
        raise
    if not is_new:  # the view returned with the reply shows the interview after this turn
        interview.turns, interview.status, interview.updated_at = int(interview.turns) + answers, status, now
        interview.next_seq = first_seq + len(said)
        interview.report = report if report is not None else interview.report
        interview.tokens_in = int(interview.tokens_in or 0) + reply.tokens_in
        interview.tokens_out = int(interview.tokens_out or 0) + reply.tokens_out


def _give_back(user: UserModel, used: quota.QuotaStatus) -> None:
    try:
        quota.refund(user, used)
    except Exception:  # the turn's own error is the one to report
        logger.exception('could not give back a chat to the daily quota')


def _now() -> datetime:
    return datetime.now(timezone.utc)

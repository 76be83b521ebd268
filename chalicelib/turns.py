"""One turn of an interview: the interviewer's opening question, or its reply to an answer.

A turn is: use one of today's chats, ask the interviewer, then store the candidate's answer,
the reply (with its hidden notes), the interview's progress and the model's token usage in
one transaction, on condition that the account still exists. If the turn fails nothing is
stored, and the chat is given back unless a model call may have been billed (billing.py).
The answer carries the text at once and a link that speaks it on first fetch (audio_links.py):
speech never delays the text. The turn that ends an interview also writes its report, in the
same transaction, and speaks a few sentences of it: the original page has no report view.
Whatever goes wrong is said in the interview's language (interview_messages.py).
"""
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import audio_links, billing, config, feedback, idempotency, interviews, providers, quota
from chalicelib.errors import ApiError, Conflict, RateLimited, Unauthorized, UpstreamUnavailable
from chalicelib.interview_messages import (ACCOUNT_GONE, BUSY, FINISHED, MODEL_FAILED_BILLED, MODEL_UNAVAILABLE,
                                          audio_error_in_language, in_language)
from chalicelib.interviewers.bank import phrases
from chalicelib.interviewers.base import (DEFAULT_LANGUAGE, InterviewContext, InterviewerReply,
                                          InterviewerUnavailable, Message, topic_title)
from chalicelib.models import (InterviewModel, MessageModel, UserModel, account_is_open, cancellation_codes,
                               connection)
from chalicelib.turn_requests import NewInterview, parse_answer, parse_chat_request

logger = logging.getLogger('mock_interviewer')

RECENT_INTERVIEWS = 5  # questions asked in this many earlier interviews are not asked again soon
# Independent round trips of one turn run at once (a Lambda container serves one request at a
# time; chalice local serves several, hence more than two workers).
_workers = ThreadPoolExecutor(max_workers=8, thread_name_prefix='turn')


@dataclass(frozen=True)
class Sent:
    """What a turn needs of the HTTP request: its Idempotency-Key (if any) with what identifies
    the request it came with, and the API's own base URL (audio links are absolute: the
    original page hands them to an audio element as they are)."""
    key: Optional[str] = None
    fingerprint: str = ''
    base_url: str = ''


@dataclass
class Turn:
    """What one request's turn uses: the deadline, the model meter, the idempotency claim."""
    user: UserModel
    deadline: float
    meter: billing.Meter
    claim: Optional[idempotency.Claim] = None
    base_url: str = ''


# -- the three ways a turn starts -------------------------------------------------------------
def chat(user: UserModel, body: dict, sent: Sent = Sent()) -> tuple:
    """POST /api/chat/gpt/: a topic alone starts an interview; an answer goes to the current one,
    and once that has finished, starts the next on the same topic and language (the original
    page can only send answers, and cannot recover from an error here)."""
    latest = interviews.latest(user, RECENT_INTERVIEWS)  # the current one, and what recent ones asked
    interview = latest[0] if latest else None
    recent = interviews.questions_asked_in(latest)
    language = interview.language if interview is not None else body.get('language') or DEFAULT_LANGUAGE
    try:
        request = parse_chat_request(body)
    except ApiError as error:
        raise in_language(error, language if isinstance(language, str) else DEFAULT_LANGUAGE)
    if request.user_input is None:
        return _run(user, None, None, sent, NewInterview(request.topic, request.language), recent=recent)
    if interview is None:
        topic = request.topic or topic_title(None, request.language)
        return _run(user, None, request.user_input, sent, NewInterview(topic, request.language), recent=recent)
    if interview.status != 'active':
        again = NewInterview(interview.topic, interview.language, interview.job_description)
        return _run(user, None, request.user_input, sent, again, restart=True, recent=recent)
    return _run(user, interview, request.user_input, sent)


def start(user: UserModel, new: NewInterview, sent: Sent = Sent()) -> tuple:
    return _run(user, None, None, sent, new)


def answer(user: UserModel, interview_id: str, body: dict, sent: Sent = Sent()) -> tuple:
    interview = interviews.find(user, interview_id)
    try:
        user_input = parse_answer(body)
    except ApiError as error:
        raise in_language(error, interview.language)
    return _run(user, interview, user_input, sent)


# -- the turn itself --------------------------------------------------------------------------
def _run(user: UserModel, interview: Optional[InterviewModel], user_input: Optional[str], sent: Sent,
         new: Optional[NewInterview] = None, restart: bool = False, recent: Optional[list] = None) -> tuple:
    """Returns (body, headers) of a successful turn, or raises having stored nothing."""
    started = time.monotonic()
    turn = Turn(user, started + config.settings().request_deadline_seconds, billing.Meter(user.user_id),
                base_url=sent.base_url)
    language = interview.language if interview is not None else new.language
    if sent.key:
        turn.claim = idempotency.claim(user.user_id, sent.key, sent.fingerprint)
        if turn.claim.stored is not None:  # a retry of a request that succeeded: its answer again
            stored = turn.claim.stored
            return _with_audio(dict(stored['body']), turn, stored['reply_seq']), stored['headers']
    # The chat (first: with none left the answer is 429, whatever else) and what the turn reads
    # are independent: both round trips at once.
    taking = _workers.submit(billing.take_chat, user, providers.interviewer_is_metered())
    try:
        if interview is None:
            history = recent if recent is not None else interviews.recent_questions(user, RECENT_INTERVIEWS)
        elif interview.status == 'active':
            history = interviews.recent_messages(interview)
        else:
            history = None
    except BaseException:
        _settle_unused_chat(turn, taking)
        raise
    try:
        used, turn.meter = taking.result()
    except BaseException:
        idempotency.give_back(turn.claim)
        raise
    try:
        if interview is not None and interview.status != 'active':
            raise Conflict(FINISHED['en'])
        if interview is None:
            interview, reply = _open(turn, new, user_input, used, history, restart)
        else:
            reply = _reply(turn, interview, history, user_input, used)
    except BaseException as error:
        _settle_failed_turn(turn, used)
        if isinstance(error, ApiError):
            raise in_language(error, language)
        raise
    return _with_audio(_body(reply, interview, used), turn, int(interview.next_seq) - 1), used.headers()


def _body(reply: InterviewerReply, interview: InterviewModel, used: quota.QuotaStatus) -> dict:
    return {'response': reply.text, 'audio_url': None, 'interview_id': interview.interview_id,
            'interview': interviews.summary(interview), **used.as_dict()}


def _with_audio(body: dict, turn: Turn, reply_seq: int) -> dict:
    """The reply with a link to it spoken, made on first fetch: the text never waits for speech."""
    language = body['interview']['language']
    url, error = audio_links.optional_link(turn.base_url, turn.user, body['interview_id'], reply_seq, language)
    body['audio_url'] = url
    body.pop('audio_error', None)
    if error:
        body['audio_error'] = audio_error_in_language(error, language)
    return body


def _open(turn: Turn, new: NewInterview, first_input: Optional[str], used: quota.QuotaStatus,
          recent: list, restart: bool = False) -> tuple:
    now = _now()
    interview = InterviewModel(turn.user.user_id, interviews.new_interview_id(), topic=new.topic,
                               language=new.language, status='active', turns=0, next_seq=0,
                               job_description=new.job_description, created_at=now, updated_at=now)
    reply = _ask('open', turn, _context(interview, [], turn, recent))
    if restart:  # the next interview, begun by an answer to a finished one: say so first
        reply.text = f"{phrases()[new.language]['restart'][0]} {reply.text}"
    # What was sent before any question is kept, in order, ahead of the opening (never graded).
    said = [('user', first_input, None)] if first_input else []
    said.append(('assistant', reply.text, reply.notes))
    _store(turn, interview, said, reply, used, is_new=True)
    return interview, reply


def _reply(turn: Turn, interview: InterviewModel, recent: list, user_input: str,
           used: quota.QuotaStatus) -> InterviewerReply:
    """The interviewer sees the recent messages (one bounded read) and, for what came before,
    the interview's running summary; the closing turn reads the whole interview for its report."""
    history = [Message(m.role, m.content, m.notes) for m in recent]
    reply = _ask('respond', turn, _context(interview, history, turn), user_input)
    report = None
    if reply.finished:
        whole = [Message(m.role, m.content, m.notes) for m in interviews.messages_of(interview)]
        ended = _context(interview, [*whole, Message('user', user_input)], turn)
        report = feedback.write_report(ended)
        report['interview_id'] = interview.interview_id
        reply.text = f'{reply.text} {feedback.spoken(report)}'
    _store(turn, interview, [('user', user_input, None), ('assistant', reply.text, reply.notes)], reply, used,
           is_new=False, report=report)
    return reply


def _context(interview: InterviewModel, history: list, turn: Turn,
             recent: Optional[list] = None) -> InterviewContext:
    return InterviewContext(topic=interview.topic, language=interview.language, history=history,
                            state=dict(interview.interviewer_state or {}),
                            job_description=interview.job_description,
                            answers_so_far=int(interview.turns or 0), deadline=turn.deadline,
                            recent_questions=list(recent or []), meter=turn.meter,
                            earlier=interviews.said_before(interview, history))


def _ask(step: str, turn: Turn, *args) -> InterviewerReply:
    """`open` or `respond` on the configured interviewer; any failure of the model, including
    its key not being readable, is a 503 the caller can retry (a 429 once the user's own model
    budget for the day is spent)."""
    try:
        return getattr(providers.interviewer(), step)(*args)
    except billing.ModelBudgetExhausted as error:
        if error.whose == 'user':
            raise RateLimited(error.message, error.retry_after)
        raise UpstreamUnavailable(error.message, {'Retry-After': str(min(error.retry_after, 3600))})
    except InterviewerUnavailable as error:
        logger.warning('interviewer unavailable: %s', error.reason)
        message = MODEL_FAILED_BILLED if turn.meter.billed else MODEL_UNAVAILABLE
        raise UpstreamUnavailable(message['en'], {'Retry-After': '5'})


def _store(turn: Turn, interview: InterviewModel, said: list, reply: InterviewerReply,
           used: quota.QuotaStatus, is_new: bool, report: Optional[dict] = None) -> None:
    """Messages, interview progress, the model's token usage, (on the last turn) the report and
    (with an Idempotency-Key) the answer, in one transaction on condition that the account still
    exists; or nothing."""
    now = _now()
    first_seq = int(interview.next_seq)
    answers = 0 if is_new else 1  # what is sent before the first question answers nothing
    status = 'finished' if reply.finished else 'active'
    tokens_in, tokens_out = turn.meter.tokens_in, turn.meter.tokens_out
    before_turn = (InterviewModel.next_seq == first_seq) & (InterviewModel.status == 'active')
    # The view returned with the reply shows the interview after this turn.
    interview.next_seq, interview.status, interview.updated_at = first_seq + len(said), status, now
    interview.turns = int(interview.turns or 0) + answers
    interview.interviewer_state = reply.state
    interview.summary = interviews.with_said(interview.summary, reply.text)
    interview.report = report if report is not None else interview.report
    interview.tokens_in = int(interview.tokens_in or 0) + tokens_in
    interview.tokens_out = int(interview.tokens_out or 0) + tokens_out
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.condition_check(UserModel, turn.user.user_id, condition=account_is_open())
            for offset, (role, content, notes) in enumerate(said):
                transaction.save(MessageModel(interview.interview_id, first_seq + offset, role=role,
                                              content=content, notes=notes, created_at=now),
                                 condition=MessageModel.seq.does_not_exist())
            if is_new:
                transaction.save(interview, condition=InterviewModel.interview_id.does_not_exist())
            else:
                finished = [InterviewModel.report.set(report)] if report is not None else []
                transaction.update(interview, actions=[
                    *finished,
                    InterviewModel.next_seq.set(interview.next_seq),
                    InterviewModel.turns.add(answers),
                    InterviewModel.interviewer_state.set(reply.state),
                    InterviewModel.summary.set(interview.summary),
                    InterviewModel.status.set(status),
                    InterviewModel.tokens_in.add(tokens_in),
                    InterviewModel.tokens_out.add(tokens_out),
                    InterviewModel.updated_at.set(now),
                ], condition=before_turn)
            quota.add_tokens(transaction, turn.user.user_id, tokens_in, tokens_out)
            if turn.claim is not None:
                idempotency.complete_in(transaction, turn.claim, {
                    'body': _body(reply, interview, used), 'headers': used.headers(),
                    'reply_seq': int(interview.next_seq) - 1})
    except TransactWriteError as error:
        codes = cancellation_codes(error)
        if codes[:1] == ['ConditionalCheckFailed']:
            raise Unauthorized(ACCOUNT_GONE['en'])
        if 'ConditionalCheckFailed' in codes or 'TransactionConflict' in codes:
            raise Conflict(BUSY['en'])
        raise


def _settle_failed_turn(turn: Turn, used: quota.QuotaStatus) -> None:
    """Nothing of the turn was stored. Its chat is given back only if no model call may have
    been billed; the tokens of calls that were made are recorded either way."""
    idempotency.give_back(turn.claim)
    if turn.meter.billed:
        billing.record_tokens_of_failed_request(turn.meter)
    else:
        _give_back(turn.user, used, turn.meter)


def _settle_unused_chat(turn: Turn, taking) -> None:
    """The turn failed before using the chat being taken: give it back once it is taken."""
    idempotency.give_back(turn.claim)
    try:
        used, meter = taking.result()
    except BaseException:
        return
    _give_back(turn.user, used, meter)


def _give_back(user: UserModel, used: quota.QuotaStatus, meter: billing.Meter) -> None:
    try:
        billing.give_back(user, used, meter)
    except Exception:  # the turn's own error is the one to report
        logger.exception('could not give back a chat to the daily quota')


def _now() -> datetime:
    return datetime.now(timezone.utc)

"""Ending an interview with its feedback report, and reading the report back.

The report comes from the interview's own provider: the model (source "llm") or measurable
signals (source "offline"), so a heuristic score is never presented as a model's judgement.
"""
import logging
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Optional

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import billing, config, interviews, providers, quota
from chalicelib.errors import BadRequest, Conflict, NotFound, Unauthorized
from chalicelib.interview_messages import ACCOUNT_GONE, in_language
from chalicelib.interviewers.base import InterviewContext, InterviewerUnavailable, Message
from chalicelib.models import InterviewModel, UserModel, account_is_open, cancellation_codes, connection
from chalicelib.reports import spoken_feedback
from chalicelib.transcript import exchanges_from_transcript

logger = logging.getLogger('mock_interviewer')
NO_ANSWERS = 'This interview has no answers yet, so there is nothing to give feedback on. Answer at least one question first.'
REPORT_IN_PROGRESS = 'A report for this interview is being written. Ask again in a few seconds.'
CLAIM_MARGIN_SECONDS = 5  # past the request deadline, a claim belongs to a request that died
NO_REPORT = 'This interview has no report yet. End it with POST /api/interviews/{id}/report/.'
FALLBACK_REASON = {
    'en': 'The AI interviewer could not write this report just now, so it was measured from the transcript instead.',
    'ko': 'AI 면접관이 지금 리포트를 작성하지 못해, 대화 기록에서 측정한 리포트로 대신합니다.',
}


def finish_with_report(user: UserModel, interview_id: str) -> tuple:
    """POST .../report/: ends the interview and stores its report. Returns (report, created).

    The report is claimed on the interview item before the model is called, so a second request
    while the first runs is a 409, never a second model call; the write is conditional on the
    claim, the interview and the account still existing, so it cannot bring back a deleted one."""
    deadline = time.monotonic() + config.settings().request_deadline_seconds
    interview = interviews.find(user, interview_id)
    if interview.report is not None:
        return interview.report, False
    history = [Message(m.role, m.content, m.notes) for m in interviews.messages_of(interview)]
    # Only an answer to a question can be given feedback (not a greeting sent before the first one).
    if not exchanges_from_transcript(history, interview.topic, interview.language):
        raise in_language(BadRequest(NO_ANSWERS), interview.language)
    claim = _claim(user, interview)
    if claim is None:
        return interviews.find(user, interview_id).report, False
    meter = billing.Meter(user.user_id)
    try:
        context = InterviewContext(topic=interview.topic, language=interview.language, history=history,
                                   state=dict(interview.interviewer_state or {}),
                                   job_description=interview.job_description,
                                   answers_so_far=int(interview.turns or 0), deadline=deadline, meter=meter)
        report = {**write_report(context), 'interview_id': interview.interview_id}
        _store(user, interview, claim, report, meter)
    except BaseException:
        _release(interview, claim)
        billing.record_tokens_of_failed_request(meter)
        raise
    return report, True


def _claim(user: UserModel, interview: InterviewModel) -> Optional[str]:
    """Marks the report as being written by this request; None if another request has finished
    it meanwhile, a 409 while another is still writing it."""
    claim = secrets.token_hex(8)
    now = datetime.now(timezone.utc)
    stale = now - timedelta(seconds=config.settings().request_deadline_seconds + CLAIM_MARGIN_SECONDS)
    try:
        interview.update(actions=[InterviewModel.report_claim.set(claim), InterviewModel.report_claimed_at.set(now)],
                         condition=InterviewModel.interview_id.exists() & InterviewModel.report.does_not_exist()
                         & (InterviewModel.report_claim.does_not_exist() | (InterviewModel.report_claimed_at < stale)))
        return claim
    except UpdateError as error:
        if error.cause_response_code != 'ConditionalCheckFailedException':
            raise
    current = interviews.find(user, interview.interview_id)  # a 404 if it was deleted meanwhile
    if current.report is not None:
        return None
    raise in_language(Conflict(REPORT_IN_PROGRESS, {'Retry-After': '3'}), interview.language)


def _store(user: UserModel, interview: InterviewModel, claim: str, report: dict, meter: billing.Meter) -> None:
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.condition_check(UserModel, user.user_id, condition=account_is_open())
            transaction.update(interview, actions=[
                InterviewModel.report.set(report), InterviewModel.status.set('finished'),
                InterviewModel.tokens_in.add(meter.tokens_in), InterviewModel.tokens_out.add(meter.tokens_out),
                InterviewModel.updated_at.set(datetime.now(timezone.utc)),
                InterviewModel.report_claim.remove(), InterviewModel.report_claimed_at.remove()],
                condition=InterviewModel.interview_id.exists() & (InterviewModel.report_claim == claim))
            quota.add_tokens(transaction, user.user_id, meter.tokens_in, meter.tokens_out)
    except TransactWriteError as error:
        codes = cancellation_codes(error)
        if codes[:1] == ['ConditionalCheckFailed']:
            raise Unauthorized(ACCOUNT_GONE['en'])
        if codes[1:2] == ['ConditionalCheckFailed']:
            raise in_language(NotFound(interviews.NOT_FOUND), interview.language)
        raise


def _release(interview: InterviewModel, claim: str) -> None:
    """Gives the claim up after a failure, so the report can be asked for again at once."""
    try:
        interview.update(actions=[InterviewModel.report_claim.remove(), InterviewModel.report_claimed_at.remove()],
                         condition=InterviewModel.interview_id.exists() & (InterviewModel.report_claim == claim))
    except Exception:  # it goes stale by itself; the failure that brought us here matters more
        logger.warning('could not release a report claim')


def write_report(context: InterviewContext) -> dict:
    """The report from the interview's interviewer (its model calls counted by context.meter);
    when the model cannot write one, the offline report, labelled as such with the reason.
    Never fails for the model."""
    try:
        report = providers.interviewer().report(context).report
    except InterviewerUnavailable as error:
        logger.warning('report for an interview failed, measuring it offline: %s', error.reason)
        report = {**providers.offline_interviewer().report(context).report,
                  'fallback_reason': FALLBACK_REASON.get(context.language, FALLBACK_REASON['en'])}
    return {**report, 'created_at': interviews.iso(datetime.now(timezone.utc))}


def spoken(report: dict) -> str:
    """Two or three sentences of the report, said at the end of the interview: the original page
    cannot show a report, so this is all the feedback its candidate gets."""
    if report.get('source') == 'offline':
        return spoken_feedback(report)
    first = report['improvements'][0]['suggestion'] if report.get('improvements') else ''
    return ' '.join(part for part in (report.get('summary', ''), first) if part)


def stored_report(user: UserModel, interview_id: str) -> dict:
    interview = interviews.find(user, interview_id)
    if interview.report is None:
        raise in_language(NotFound(NO_REPORT), interview.language)
    return interview.report

"""Ending an interview with its feedback report, and reading the report back.

The report comes from the interview's own provider: the model (source "llm") or measurable
signals (source "offline"), so a heuristic score is never presented as a model's judgement.
"""
import logging
import time
from datetime import datetime, timezone

from pynamodb.exceptions import UpdateError

from chalicelib import config, interviews, providers, quota
from chalicelib.errors import BadRequest, NotFound
from chalicelib.interview_messages import in_language
from chalicelib.interviewers.base import InterviewContext, InterviewerUnavailable, Message
from chalicelib.models import InterviewModel, UserModel
from chalicelib.reports import spoken_feedback
from chalicelib.transcript import exchanges_from_transcript

logger = logging.getLogger('mock_interviewer')
NO_ANSWERS = 'This interview has no answers yet, so there is nothing to give feedback on. Answer at least one question first.'
NO_REPORT = 'This interview has no report yet. End it with POST /api/interviews/{id}/report/.'
FALLBACK_REASON = {
    'en': 'The AI interviewer could not write this report just now, so it was measured from the transcript instead.',
    'ko': 'AI 면접관이 지금 리포트를 작성하지 못해, 대화 기록에서 측정한 리포트로 대신합니다.',
}


def finish_with_report(user: UserModel, interview_id: str) -> tuple:
    """POST .../report/: ends the interview and stores its report. Returns (report, created)."""
    interview = interviews.find(user, interview_id)
    if interview.report is not None:
        return interview.report, False
    history = [Message(m.role, m.content, m.notes) for m in interviews.messages_of(interview)]
    # Only an answer to a question can be given feedback (not a greeting sent before the first one).
    if not exchanges_from_transcript(history, interview.topic, interview.language):
        raise in_language(BadRequest(NO_ANSWERS), interview.language)
    context = InterviewContext(topic=interview.topic, language=interview.language, history=history,
                               state=dict(interview.interviewer_state or {}),
                               job_description=interview.job_description,
                               answers_so_far=int(interview.turns or 0),
                               deadline=time.monotonic() + config.settings().request_deadline_seconds)
    report, tokens_in, tokens_out = write_report(context)
    report = {**report, 'interview_id': interview.interview_id}
    # Only the first report is kept, should two requests race to end the same interview.
    try:
        interview.update(actions=[
            InterviewModel.report.set(report), InterviewModel.status.set('finished'),
            InterviewModel.tokens_in.add(tokens_in), InterviewModel.tokens_out.add(tokens_out),
            InterviewModel.updated_at.set(datetime.now(timezone.utc))],
            condition=InterviewModel.report.does_not_exist())
    except UpdateError as error:
        if error.cause_response_code != 'ConditionalCheckFailedException':
            raise
        return interviews.find(user, interview_id).report, False
    quota.record_tokens(user, tokens_in, tokens_out)
    return report, True


def write_report(context: InterviewContext) -> tuple:
    """(report, tokens_in, tokens_out) from the interview's interviewer; when the model cannot
    write one, the offline report, labelled as such with the reason. Never fails for the model."""
    try:
        result = providers.interviewer_within_ceiling().report(context)
        report = result.report
    except InterviewerUnavailable as error:
        logger.warning('report for an interview failed, measuring it offline: %s', error.reason)
        result = providers.offline_interviewer().report(context)
        report = {**result.report, 'fallback_reason': FALLBACK_REASON.get(context.language, FALLBACK_REASON['en'])}
    return ({**report, 'created_at': interviews.iso(datetime.now(timezone.utc))},
            result.tokens_in, result.tokens_out)


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

"""Ending an interview with its feedback report, and reading the report back.

The report comes from the interview's own provider: the model (source "llm") or measurable
signals (source "offline"), so a heuristic score is never presented as a model's judgement.
"""
import logging
from datetime import datetime, timezone

from pynamodb.exceptions import UpdateError

from chalicelib import interviews, providers, quota
from chalicelib.errors import BadRequest, NotFound, UpstreamUnavailable
from chalicelib.interviewers.base import InterviewContext, InterviewerUnavailable, Message
from chalicelib.models import InterviewModel, UserModel

logger = logging.getLogger('mock_interviewer')
NO_ANSWERS = 'This interview has no answers yet, so there is nothing to give feedback on. Answer at least one question first.'
NO_REPORT = 'This interview has no report yet. End it with POST /api/interviews/{id}/report/.'
REPORT_UNAVAILABLE = ('The feedback report could not be written right now. The interview is unchanged; '
                      'please try again in a moment.')


def finish_with_report(user: UserModel, interview_id: str) -> tuple:
    """POST .../report/: ends the interview and stores its report. Returns (report, created)."""
    interview = interviews.find(user, interview_id)
    if interview.report is not None:
        return interview.report, False
    messages = interviews.messages_of(interview)
    if not any(m.role == 'user' for m in messages):
        raise BadRequest(NO_ANSWERS)
    context = InterviewContext(topic=interview.topic, language=interview.language,
                               history=[Message(m.role, m.content, m.notes) for m in messages],
                               state=dict(interview.interviewer_state or {}),
                               job_description=interview.job_description,
                               answers_so_far=int(interview.turns or 0))
    try:
        result = providers.interviewer_within_ceiling().report(context)
    except InterviewerUnavailable as error:
        logger.warning('report for an interview failed: %s', error.reason)
        raise UpstreamUnavailable(REPORT_UNAVAILABLE, {'Retry-After': '5'})
    report = {**result.report, 'interview_id': interview.interview_id,
              'created_at': interviews.iso(datetime.now(timezone.utc))}
    # Only the first report is kept, should two requests race to end the same interview.
    try:
        interview.update(actions=[
            InterviewModel.report.set(report), InterviewModel.status.set('finished'),
            InterviewModel.tokens_in.add(result.tokens_in), InterviewModel.tokens_out.add(result.tokens_out),
            InterviewModel.updated_at.set(datetime.now(timezone.utc))],
            condition=InterviewModel.report.does_not_exist())
    except UpdateError as error:
        if error.cause_response_code != 'ConditionalCheckFailedException':
            raise
        return interviews.find(user, interview_id).report, False
    quota.record_tokens(user, result.tokens_in, result.tokens_out)
    return report, True


def stored_report(user: UserModel, interview_id: str) -> dict:
    interview = interviews.find(user, interview_id)
    if interview.report is None:
        raise NotFound(NO_REPORT)
    return interview.report

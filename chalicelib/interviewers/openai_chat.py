"""The model interviewer: chat completions on OpenAI or any OpenAI-compatible server.

The prompt stays bounded however long the interview runs: a fixed system prompt, the list of
questions asked in older turns (so none is repeated), and only as many recent messages as the
context budget allows. Hidden notes never go back into this prompt; only the report reads them.

A model's reply is spoken only after it passes model_output.check_reply. A reply that fails
gets one corrective retry, then the offline interviewer takes the turn, so a weak or broken
model costs the candidate a generic question, never instructions, notes or garbage read aloud.
"""
import logging
import math
import time
from dataclasses import dataclass
from typing import List, Optional, Tuple

import openai

from chalicelib.interviewers import prompts
from chalicelib.interviewers.base import (CallMeter, InterviewContext, InterviewerReply,
                                          InterviewerUnavailable, Message, ReportResult, topic_title)
from chalicelib.interviewers.model_output import REPLY_SCHEMA, check_reply, json_object, parse_reply
from chalicelib.interviewers.model_report import (REPORT_SCHEMA_HINT, mark_verified_quotes, report_schema,
                                                  required_criteria, transcript_for_report, validate_report)

logger = logging.getLogger('mock_interviewer')
SUMMARY_BUDGET_CHARS = 1500
# Response formats from the strictest down; the first a server accepts is remembered.
FORMATS = ('json_schema', 'json_object', None)
FORMAT_REJECTION_WORDS = ('response_format', 'json_schema', 'json_object', 'schema', 'grammar')
CALL_MARGIN_SECONDS = 0.5  # left after a call for storing the turn or computing the offline report
MIN_ATTEMPT_SECONDS = 1.5  # a second attempt with less time than this would only time out
REPORT_MAX_TOKENS = 1500


@dataclass
class Completion:
    text: str
    finish_reason: Optional[str]
    tokens_in: int
    tokens_out: int


def split_history(history: List[Message], budget_chars: int) -> Tuple[List[Message], List[Message]]:
    """(older, recent): the newest messages that fit the budget, starting at a question."""
    kept, used = [], 0
    for message in reversed(history):
        if used + len(message.content) > budget_chars:
            break
        kept.append(message)
        used += len(message.content)
    kept.reverse()
    while kept and kept[0].role == 'user':  # a transcript starts with the interviewer
        kept.pop(0)
    return history[:len(history) - len(kept)], kept


def summarize(questions: List[str], budget_chars: int = SUMMARY_BUDGET_CHARS) -> str:
    """Every earlier question, shortened to fit. No notes: the candidate talks to this prompt."""
    if not questions:
        return ''
    each = max(40, budget_chars // len(questions))
    return '\n'.join(f'- {_shorten(q, each)}' for q in questions)[:budget_chars]


def _shorten(text: str, limit: int) -> str:
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + '…'


def _time_left(deadline: Optional[float]) -> float:
    return math.inf if deadline is None else deadline - time.monotonic()


class OpenAIInterviewer:
    name = 'openai'
    metered = True  # every call costs money: it takes from the model-call budgets

    def __init__(self, api_key: str, base_url: str, model: str, timeout_seconds: float,
                 max_retries: int, max_output_tokens: int, context_budget_chars: int,
                 question_count: int):
        self.model = model
        self.max_output_tokens = max_output_tokens
        self.context_budget_chars = context_budget_chars
        self.question_count = question_count
        self.max_retries = max_retries
        self.timeout_seconds = timeout_seconds
        self.format_index = 0  # into FORMATS: lowered for good once this server rejects a format
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url,
                                    timeout=timeout_seconds, max_retries=max_retries)

    # -- turns -------------------------------------------------------------------------------
    def open(self, context: InterviewContext) -> InterviewerReply:
        latest = prompts.OPENING_REQUEST[prompts.language_of(context.language)]
        return self._turn(context, latest, answered=0, answer=None)

    def respond(self, context: InterviewContext, answer: str) -> InterviewerReply:
        return self._turn(context, answer, answered=context.answers_so_far + 1, answer=answer)

    def build_messages(self, context: InterviewContext, latest: str, answered: int) -> list:
        older, recent = split_history(context.history, max(0, self.context_budget_chars - len(latest)))
        asked_before = [*context.earlier, *(m.content for m in older if m.role == 'assistant')]
        system = prompts.interviewer_system_prompt(
            topic_title(context.topic, context.language), context.language, self.question_count,
            context.job_description, summarize(asked_before),
            prompts.progress_instruction(answered, self.question_count, context.language))
        return ([{'role': 'system', 'content': system}]
                + [{'role': m.role, 'content': m.content} for m in recent]
                + [{'role': 'user', 'content': latest}])

    def _turn(self, context: InterviewContext, latest: str, answered: int,
              answer: Optional[str]) -> InterviewerReply:
        closing = answered >= self.question_count
        messages = self.build_messages(context, latest, answered)
        instructions = prompts.echo_reference(context.language, self.question_count,
                                              prompts.progress_instruction(answered, self.question_count,
                                                                           context.language))
        earlier = [*context.earlier, *(m.content for m in context.history if m.role == 'assistant')]
        tokens_in = tokens_out = 0
        for attempt in range(2):
            if attempt and _time_left(context.deadline) < MIN_ATTEMPT_SECONDS + CALL_MARGIN_SECONDS:
                logger.warning('no time left to retry the model reply')
                break
            try:
                completion = self._complete(messages, self.max_output_tokens, context.deadline,
                                            'interview_reply', REPLY_SCHEMA, context.meter)
            except InterviewerUnavailable as error:
                if attempt == 0 and getattr(error, 'stand_in', False):
                    break  # no model calls left today, and the offline interviewer is to stand in
                if attempt == 0:
                    raise  # the model is down: a 503 the caller can retry, as before
                logger.warning('the model failed on the corrective retry: %s', error.reason)
                break
            tokens_in, tokens_out = tokens_in + completion.tokens_in, tokens_out + completion.tokens_out
            parsed = parse_reply(completion.text, context.language, question_due=not closing, answer=answer or '')
            problem = check_reply(parsed, completion.finish_reason, context.language, instructions,
                                  earlier, question_due=not closing)
            if problem is None:
                # The offline interviewer's place-keeping ('topic_id', 'current') is stale after a
                # model turn: dropping it makes a later stand-in re-read the transcript.
                state = {k: v for k, v in (context.state or {}).items() if k not in ('topic_id', 'current')}
                return InterviewerReply(text=parsed.spoken, state=state,
                                        finished=closing, notes=parsed.notes,
                                        tokens_in=tokens_in, tokens_out=tokens_out)
            logger.warning('model reply rejected (attempt %d): %s', attempt + 1, problem)
            messages = messages + [{'role': 'assistant', 'content': completion.text[:600]},
                                   {'role': 'user', 'content': prompts.reply_retry(context.language, problem)}]
        return self._offline_turn(context, answer, tokens_in, tokens_out)

    def _offline_turn(self, context: InterviewContext, answer: Optional[str],
                      tokens_in: int, tokens_out: int) -> InterviewerReply:
        from chalicelib.interviewers.offline import OfflineInterviewer  # only when it must stand in
        logger.warning('the offline interviewer takes this turn')
        stand_in = OfflineInterviewer(self.question_count)
        reply = stand_in.open(context) if answer is None else stand_in.respond(context, answer)
        reply.tokens_in += tokens_in  # the failed model calls were still paid for
        reply.tokens_out += tokens_out
        return reply

    # -- report ------------------------------------------------------------------------------
    def report(self, context: InterviewContext) -> ReportResult:
        criteria = required_criteria(context.topic)
        system = prompts.report_system_prompt(topic_title(context.topic, context.language), context.language,
                                              context.job_description, REPORT_SCHEMA_HINT, criteria)
        messages = [{'role': 'system', 'content': system},
                    {'role': 'user', 'content': transcript_for_report(context.history)}]
        tokens_in = tokens_out = 0
        reason, no_budget = 'too little time left', False
        for attempt in range(2):  # one retry on an invalid report, then the offline report
            if attempt and _time_left(context.deadline) < MIN_ATTEMPT_SECONDS + CALL_MARGIN_SECONDS:
                reason = 'too little time left to retry'
                break
            try:
                completion = self._complete(messages, max(self.max_output_tokens, REPORT_MAX_TOKENS),
                                            context.deadline, 'interview_report', report_schema(criteria),
                                            context.meter)
            except InterviewerUnavailable as error:
                reason = error.reason
                no_budget = attempt == 0 and getattr(error, 'stand_in', False)  # no call was made at all
                break
            tokens_in, tokens_out = tokens_in + completion.tokens_in, tokens_out + completion.tokens_out
            try:
                data = json_object(completion.text)
                if data is None:
                    raise ValueError('not valid JSON')
                report = validate_report(data, context.language, criteria)
                return ReportResult(mark_verified_quotes(report, context.history), tokens_in, tokens_out)
            except ValueError as problem:
                reason = f'invalid report: {problem}'
                messages = messages + [{'role': 'assistant', 'content': completion.text[:4000]},
                                       {'role': 'user', 'content': prompts.report_retry(context.language, str(problem))}]
        logger.warning('model report unusable (%s); the offline report stands in', reason[:200])
        return self._offline_report(context, tokens_in, tokens_out, no_budget)

    def _offline_report(self, context: InterviewContext, tokens_in: int, tokens_out: int,
                        no_budget: bool = False) -> ReportResult:
        from chalicelib.interviewers.offline import OfflineInterviewer  # only when it must stand in
        measured = OfflineInterviewer(self.question_count).report(context)
        why = prompts.report_fallback_reason(context.language, 'no_budget' if no_budget else 'invalid')
        report = {**measured.report, 'fallback_reason': why}
        return ReportResult(report, tokens_in, tokens_out)

    # -- the one place the SDK is called ---------------------------------------------------
    def _complete(self, messages: list, max_tokens: int, deadline: Optional[float],
                  schema_name: str, schema: dict, meter: Optional[CallMeter] = None) -> Completion:
        """One completion in the strictest response format this server accepts, within the
        deadline; transport failures (after retries that fit the deadline) raise
        InterviewerUnavailable. Every call is counted by the meter before it is made and told
        after it whether it may have been billed."""
        meter = meter or _Uncounted()
        transport_tries = 0
        while True:
            response_format = self._response_format(schema_name, schema)
            meter.before_call()
            try:
                completion = self._client_for(deadline).chat.completions.create(
                    model=self.model, messages=messages, max_tokens=max_tokens, temperature=0.7,
                    **({'response_format': response_format} if response_format else {}))
            except openai.APIStatusError as error:
                meter.after_call(billed=False)  # refused with an error status: nothing generated
                # llama.cpp's server refuses json_schema with a 500, not a 400: any status will do.
                if response_format and _rejects_format(error) and self.format_index + 1 < len(FORMATS):
                    self.format_index += 1
                    logger.warning('the model server rejected response_format %s; trying %s',
                                   response_format['type'], FORMATS[self.format_index])
                    continue
                if not isinstance(error, (openai.RateLimitError, openai.InternalServerError)):
                    raise InterviewerUnavailable(f'the model answered HTTP {error.status_code}')
                transport_tries += 1
                self._retry_or_give_up(error, transport_tries, deadline)
                continue
            except (openai.APITimeoutError, openai.APIConnectionError) as error:
                # A timeout may come after the model did (and billed) the work; a refused connection not.
                meter.after_call(billed=isinstance(error, openai.APITimeoutError))
                transport_tries += 1
                self._retry_or_give_up(error, transport_tries, deadline)
                continue
            except (openai.APIError, ValueError) as error:  # the SDK lets a non-JSON body raise ValueError
                meter.after_call(billed=True)  # the server answered 200: assume it was billed
                raise InterviewerUnavailable(f'the model gave an unusable answer: {type(error).__name__}')
            try:
                result = _completion(completion)
            except InterviewerUnavailable:
                meter.after_call(billed=True)
                raise
            meter.after_call(result.tokens_in, result.tokens_out, billed=True)
            return result

    def _retry_or_give_up(self, error: Exception, tries: int, deadline: Optional[float]) -> None:
        """Waits as long as the server asked (Retry-After) when the retry still fits the deadline,
        or gives up at once: better a prompt 503 than an answer after API Gateway has hung up."""
        if deadline is None or tries > self.max_retries:
            raise InterviewerUnavailable(_transport_reason(error))
        wait = _retry_after_seconds(error)
        if _time_left(deadline) - wait < MIN_ATTEMPT_SECONDS + CALL_MARGIN_SECONDS:
            raise InterviewerUnavailable(_transport_reason(error) + f' (retry in {wait:.0f} s would miss the deadline)')
        time.sleep(wait)

    def _response_format(self, name: str, schema: dict) -> Optional[dict]:
        kind = FORMATS[self.format_index]
        if kind == 'json_schema':
            return {'type': 'json_schema', 'json_schema': {'name': name, 'strict': True, 'schema': schema}}
        return {'type': kind} if kind else None

    def _client_for(self, deadline: Optional[float]):
        """The client for one call: the configured timeout, cut to what the deadline leaves."""
        if deadline is None:
            return self.client
        timeout = min(self.timeout_seconds, max(0.5, _time_left(deadline) - CALL_MARGIN_SECONDS))
        return self.client.with_options(timeout=timeout, max_retries=0)


class _Uncounted:
    """The meter of calls nobody counts (tools and tests that call the interviewer directly)."""

    def before_call(self) -> None:
        pass

    def after_call(self, tokens_in: int = 0, tokens_out: int = 0, billed: bool = True) -> None:
        pass


def _retry_after_seconds(error: Exception) -> float:
    """What the server asked us to wait (Retry-After or retry-after-ms), else a short pause."""
    headers = getattr(getattr(error, 'response', None), 'headers', None) or {}
    for name, scale in (('retry-after-ms', 0.001), ('retry-after', 1.0)):
        try:
            value = float(headers.get(name)) * scale
        except (TypeError, ValueError):
            continue
        if math.isfinite(value) and value >= 0:
            return value
    return 0.5


def _rejects_format(error: openai.APIStatusError) -> bool:
    text = f'{error.message} {getattr(error, "body", "")}'.lower()
    return any(word in text for word in FORMAT_REJECTION_WORDS)


def _transport_reason(error: Exception) -> str:
    if isinstance(error, openai.APITimeoutError):  # a subclass of APIConnectionError: test it first
        return 'the model timed out'
    if isinstance(error, openai.APIConnectionError):
        return f'could not reach the model: {type(error).__name__}'
    if isinstance(error, openai.RateLimitError):
        return 'the model answered 429 (rate limited)'
    return f'the model answered HTTP {getattr(error, "status_code", "5xx")}'


def _completion(completion) -> Completion:
    """The text, finish reason and usage of a completion; a body without choices is a transport
    failure (503), while an empty text is a bad reply, left to the reply check."""
    try:
        choice = completion.choices[0]
        text = choice.message.content
    except (AttributeError, IndexError, TypeError):
        raise InterviewerUnavailable('the model reply had no choices')
    usage = getattr(completion, 'usage', None)
    return Completion(text=(text or '').strip() if isinstance(text, str) else '',
                      finish_reason=getattr(choice, 'finish_reason', None),
                      tokens_in=int(getattr(usage, 'prompt_tokens', 0) or 0),
                      tokens_out=int(getattr(usage, 'completion_tokens', 0) or 0))

"""The model interviewer: chat completions on OpenAI or any OpenAI-compatible server.

The prompt stays bounded however long the interview runs: a fixed system prompt, a running
summary of older turns (every question asked, so none is repeated), and only as many recent
messages as the context budget allows.
"""
import json
import re
from typing import List, Optional, Tuple

import openai

from chalicelib.interviewers.base import (InterviewContext, InterviewerReply, InterviewerUnavailable,
                                          Message, ReportResult, topic_title)
from chalicelib.interviewers import prompts
from chalicelib.interviewers.model_report import REPORT_SCHEMA_HINT, validate_report

SUMMARY_BUDGET_CHARS = 1500
REPORT_TRANSCRIPT_CHARS = 12000
NOTES_PATTERN = re.compile(r'#{2,}\s*NOTES\s*#{2,}', re.IGNORECASE)
MARKDOWN_PATTERN = re.compile(r'(\*\*|__|`|^\s*(?:[-*#>]+|\d+\.)\s+)', re.MULTILINE)


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


def summarize(older: List[Message], budget_chars: int = SUMMARY_BUDGET_CHARS) -> str:
    """Every earlier question (shortened to fit) and, while room is left, the hidden notes."""
    questions = [m.content for m in older if m.role == 'assistant']
    if not questions:
        return ''
    each = max(40, budget_chars // (2 * len(questions)))
    lines = [f'- Asked: {_shorten(q, each)}' for q in questions]
    notes = [m.notes for m in older if m.role == 'assistant' and m.notes]
    room = budget_chars - sum(len(line) + 1 for line in lines)
    for note in reversed(notes):
        line = f'- Note: {_shorten(note, 200)}'
        if len(line) + 1 > room:
            break
        lines.append(line)
        room -= len(line) + 1
    return '\n'.join(lines)[:budget_chars]


def split_notes(raw: str) -> Tuple[str, Optional[str]]:
    """The spoken reply and the hidden notes after the delimiter."""
    parts = NOTES_PATTERN.split(raw, maxsplit=1)
    spoken = MARKDOWN_PATTERN.sub('', parts[0])
    spoken = ' '.join(spoken.split())
    notes = ' '.join(parts[1].split()) if len(parts) > 1 else None
    return spoken, (notes or None)


def _shorten(text: str, limit: int) -> str:
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + '…'


class OpenAIInterviewer:
    name = 'openai'
    metered = True  # every call costs money, so it counts against the daily ceiling

    def __init__(self, api_key: str, base_url: str, model: str, timeout_seconds: float,
                 max_retries: int, max_output_tokens: int, context_budget_chars: int,
                 question_count: int):
        self.model = model
        self.max_output_tokens = max_output_tokens
        self.context_budget_chars = context_budget_chars
        self.question_count = question_count
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url,
                                    timeout=timeout_seconds, max_retries=max_retries)

    # -- turns -------------------------------------------------------------------------------
    def open(self, context: InterviewContext) -> InterviewerReply:
        latest = prompts.OPENING_REQUEST.get(context.language, prompts.OPENING_REQUEST['en'])
        return self._turn(context, latest, answered=0)

    def respond(self, context: InterviewContext, answer: str) -> InterviewerReply:
        return self._turn(context, answer, answered=context.answers_so_far + 1)

    def build_messages(self, context: InterviewContext, latest: str, answered: int) -> list:
        older, recent = split_history(context.history, max(0, self.context_budget_chars - len(latest)))
        system = prompts.interviewer_system_prompt(
            topic_title(context.topic, context.language), context.language, self.question_count,
            context.job_description, summarize(older))
        system += '\nNow: ' + prompts.progress_instruction(answered, self.question_count)
        return ([{'role': 'system', 'content': system}]
                + [{'role': m.role, 'content': m.content} for m in recent]
                + [{'role': 'user', 'content': latest}])

    def _turn(self, context: InterviewContext, latest: str, answered: int) -> InterviewerReply:
        completion = self._create(self.build_messages(context, latest, answered), self.max_output_tokens)
        spoken, notes = split_notes(_reply_text(completion))
        if not spoken:
            raise InterviewerUnavailable('the model reply had only notes')
        tokens_in, tokens_out = _usage(completion)
        return InterviewerReply(text=spoken, state=dict(context.state or {}),
                                finished=answered >= self.question_count, notes=notes,
                                tokens_in=tokens_in, tokens_out=tokens_out)

    # -- report ------------------------------------------------------------------------------
    def report(self, context: InterviewContext) -> ReportResult:
        system = prompts.report_system_prompt(topic_title(context.topic, context.language), context.language,
                                              context.job_description, REPORT_SCHEMA_HINT)
        messages = [{'role': 'system', 'content': system},
                    {'role': 'user', 'content': transcript_for_report(context.history)}]
        tokens_in = tokens_out = 0
        for attempt in range(2):  # one retry on invalid JSON, then the caller answers 503
            completion = self._create(messages, max(self.max_output_tokens, 1500), json_output=True)
            used_in, used_out = _usage(completion)
            tokens_in, tokens_out = tokens_in + used_in, tokens_out + used_out
            raw = _reply_text(completion)
            try:
                report = validate_report(json.loads(_strip_code_fence(raw)), context.language)
                return ReportResult(mark_verified_quotes(report, context.history), tokens_in, tokens_out)
            except ValueError as problem:
                messages += [{'role': 'assistant', 'content': raw[:4000]},
                             {'role': 'user', 'content': prompts.REPORT_RETRY.format(problem=str(problem)[:200])}]
        raise InterviewerUnavailable('the model gave an invalid report twice')

    # -- the one place the SDK is called ---------------------------------------------------
    def _create(self, messages: list, max_tokens: int, json_output: bool = False):
        extra = {'response_format': {'type': 'json_object'}} if json_output else {}
        try:
            return self.client.chat.completions.create(
                model=self.model, messages=messages, max_tokens=max_tokens, temperature=0.7, **extra)
        except openai.APITimeoutError:
            raise InterviewerUnavailable('the model timed out')
        except openai.APIConnectionError as error:
            raise InterviewerUnavailable(f'could not reach the model: {type(error).__name__}')
        except openai.RateLimitError:
            raise InterviewerUnavailable('the model answered 429 (rate limited)')
        except openai.APIStatusError as error:
            raise InterviewerUnavailable(f'the model answered HTTP {error.status_code}')
        except (openai.APIError, ValueError) as error:  # the SDK lets a non-JSON body raise ValueError
            raise InterviewerUnavailable(f'the model gave an unusable answer: {type(error).__name__}')


def transcript_for_report(history: List[Message], budget_chars: int = REPORT_TRANSCRIPT_CHARS) -> str:
    """The interview as text for the report prompt, each message bounded so the whole fits."""
    each = max(200, budget_chars // max(1, len(history)))
    lines = []
    for message in history:
        speaker = 'Candidate' if message.role == 'user' else 'Interviewer'
        lines.append(f'{speaker}: {_shorten(message.content, each)}')
        if message.notes:
            lines.append(f'(Interviewer notes: {_shorten(message.notes, 300)})')
    return '\n'.join(lines)[-budget_chars:]


def mark_verified_quotes(report: dict, history: List[Message]) -> dict:
    """Flags each improvement whose quote really is the candidate's words: a model may paraphrase."""
    answers = [' '.join(m.content.split()).lower() for m in history if m.role == 'user']
    for improvement in report.get('improvements', []):
        quote = ' '.join(improvement['quote'].split()).lower().strip(' "\'')
        improvement['quote_verified'] = bool(quote) and any(quote in answer for answer in answers)
    return report


def _strip_code_fence(raw: str) -> str:
    text = raw.strip()
    if text.startswith('```'):
        text = text.split('\n', 1)[1] if '\n' in text else ''
        text = text.rsplit('```', 1)[0]
    return text


def _usage(completion) -> Tuple[int, int]:
    usage = getattr(completion, 'usage', None)
    return (int(getattr(usage, 'prompt_tokens', 0) or 0), int(getattr(usage, 'completion_tokens', 0) or 0))


def _reply_text(completion) -> str:
    try:
        text = completion.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        raise InterviewerUnavailable('the model reply had no choices')
    if not isinstance(text, str) or not text.strip():
        raise InterviewerUnavailable('the model reply was empty')
    return text.strip()

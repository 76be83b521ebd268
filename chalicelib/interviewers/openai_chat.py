"""The model interviewer: chat completions on OpenAI or any OpenAI-compatible server."""
import logging
from typing import List

import openai

from chalicelib.interviewers.base import (InterviewContext, InterviewerReply,
                                          InterviewerUnavailable, Message, topic_title)
from chalicelib.interviewers.prompts import OPENING_REQUEST, interviewer_system_prompt

logger = logging.getLogger('mock_interviewer')


def recent_history(history: List[Message], budget_chars: int) -> List[Message]:
    """The newest messages whose total size fits the budget, oldest first; the prompt stays bounded."""
    kept, used = [], 0
    for message in reversed(history):
        size = len(message.content)
        if used + size > budget_chars:
            break
        kept.append(message)
        used += size
    kept.reverse()
    # A transcript should start with the interviewer's question, not a dangling answer.
    while kept and kept[0].role == 'user':
        kept.pop(0)
    return kept


class OpenAIInterviewer:
    name = 'openai'

    def __init__(self, api_key: str, base_url: str, model: str, timeout_seconds: float,
                 max_retries: int, max_output_tokens: int, context_budget_chars: int,
                 question_count: int):
        self.model = model
        self.max_output_tokens = max_output_tokens
        self.context_budget_chars = context_budget_chars
        self.question_count = question_count
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url,
                                    timeout=timeout_seconds, max_retries=max_retries)

    def open(self, context: InterviewContext) -> InterviewerReply:
        return self._complete(context, OPENING_REQUEST.get(context.language, OPENING_REQUEST['en']))

    def respond(self, context: InterviewContext, answer: str) -> InterviewerReply:
        return self._complete(context, answer)

    def build_messages(self, context: InterviewContext, latest: str) -> list:
        topic = topic_title(context.topic, context.language)
        messages = [{'role': 'system', 'content': interviewer_system_prompt(
            topic, context.language, self.question_count)}]
        budget = max(0, self.context_budget_chars - len(latest))
        messages += [{'role': m.role, 'content': m.content} for m in recent_history(context.history, budget)]
        messages.append({'role': 'user', 'content': latest})
        return messages

    def _complete(self, context: InterviewContext, latest: str) -> InterviewerReply:
        try:
            completion = self.client.chat.completions.create(
                model=self.model, messages=self.build_messages(context, latest),
                max_tokens=self.max_output_tokens, temperature=0.7)
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
        text = _reply_text(completion)
        usage = getattr(completion, 'usage', None)
        state = dict(context.state or {})
        state['questions_asked'] = int(state.get('questions_asked', 0)) + 1
        return InterviewerReply(
            text=text, state=state,
            finished=state['questions_asked'] > self.question_count,
            tokens_in=int(getattr(usage, 'prompt_tokens', 0) or 0),
            tokens_out=int(getattr(usage, 'completion_tokens', 0) or 0))


def _reply_text(completion) -> str:
    try:
        text = completion.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        raise InterviewerUnavailable('the model reply had no choices')
    if not isinstance(text, str) or not text.strip():
        raise InterviewerUnavailable('the model reply was empty')
    return text.strip()

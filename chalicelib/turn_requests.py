"""What a turn is asked for: the three request bodies that start a turn, read and checked.

A wrong type or size is a 400 naming the field (in the interview's language where there is
one: turns.py translates); nothing here touches storage.
"""
from dataclasses import dataclass
from typing import Optional

from chalicelib import interviews
from chalicelib.errors import BadRequest
from chalicelib.fields import optional_text
from chalicelib.interview_messages import ANSWER_REQUIRED

INPUT_REQUIRED = 'user_input or interview_topic is required.'  # Part 1's fixed text


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

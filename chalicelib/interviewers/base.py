"""The interface every interviewer provider implements."""
from dataclasses import dataclass, field
from typing import List, Optional, Protocol

LANGUAGES = {'ko': 'Korean', 'en': 'English'}
DEFAULT_LANGUAGE = 'ko'
GENERAL_TOPIC = {'ko': '일반 개발자 면접', 'en': 'General software developer interview'}


@dataclass(frozen=True)
class Message:
    role: str  # 'user' (the candidate) or 'assistant' (the interviewer)
    content: str


@dataclass
class InterviewContext:
    """What a provider may know about the interview it continues."""
    topic: str
    language: str
    history: List[Message] = field(default_factory=list)  # oldest first, without the new answer
    state: dict = field(default_factory=dict)  # the provider's own notes from earlier turns


@dataclass
class InterviewerReply:
    text: str
    state: dict
    finished: bool = False
    tokens_in: int = 0
    tokens_out: int = 0


class InterviewerUnavailable(Exception):
    """The model could not give a reply (timeout, refused, rate-limited, malformed answer)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # for the log; never shown to users


class Interviewer(Protocol):
    name: str

    def open(self, context: InterviewContext) -> InterviewerReply:
        """The greeting and first question of a new interview."""

    def respond(self, context: InterviewContext, answer: str) -> InterviewerReply:
        """The interviewer's next turn after the candidate's `answer`."""


def topic_title(topic: Optional[str], language: str) -> str:
    return topic or GENERAL_TOPIC[language]

"""The interface every interviewer provider implements."""
from dataclasses import dataclass, field
from typing import List, Optional, Protocol

# Languages an interview can be held in: name for prompts, and the hint a browser's speech
# recognition understands.
LANGUAGES = {'ko': 'Korean', 'en': 'English'}
SPEECH_LANG = {'ko': 'ko-KR', 'en': 'en-US'}
DEFAULT_LANGUAGE = 'ko'
GENERAL_TOPIC = {'ko': '일반 개발자 면접', 'en': 'General software developer interview'}


@dataclass(frozen=True)
class Message:
    role: str  # 'user' (the candidate) or 'assistant' (the interviewer)
    content: str
    notes: Optional[str] = None  # the interviewer's hidden notes on the answer before it


@dataclass
class InterviewContext:
    """What a provider may know about the interview it continues."""
    topic: str
    language: str
    history: List[Message] = field(default_factory=list)  # oldest first, without the new answer
    state: dict = field(default_factory=dict)  # the provider's own notes from earlier turns
    job_description: Optional[str] = None
    answers_so_far: int = 0  # answers given before this turn
    deadline: Optional[float] = None  # time.monotonic() by which the reply must be ready
    recent_questions: List[str] = field(default_factory=list)  # bank ids asked in recent interviews
    meter: Optional['CallMeter'] = None  # counts paid model calls (billing.Meter); None: uncounted
    earlier: List[str] = field(default_factory=list)  # what the interviewer said before `history`


class CallMeter(Protocol):
    """Told of every model call: before it (may refuse: no budget left) and after it."""

    def before_call(self) -> None: ...

    def after_call(self, tokens_in: int = 0, tokens_out: int = 0, billed: bool = True) -> None: ...


@dataclass
class InterviewerReply:
    text: str  # spoken and shown
    state: dict
    finished: bool = False
    notes: Optional[str] = None  # kept for the report, never shown or spoken
    tokens_in: int = 0
    tokens_out: int = 0


@dataclass
class ReportResult:
    report: dict
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

    def report(self, context: InterviewContext) -> ReportResult:
        """The feedback report on the whole interview in `context.history`."""


def topic_title(topic: Optional[str], language: str) -> str:
    return topic or GENERAL_TOPIC[language]


def is_last_question(context: InterviewContext, question_count: int) -> bool:
    """Whether the answer being given now is to the interview's final question."""
    return context.answers_so_far + 1 >= question_count

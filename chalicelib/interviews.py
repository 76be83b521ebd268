"""Interviews as records: finding, listing, showing and deleting a user's interviews.

Another user's interview is never revealed: every lookup is keyed by the caller, so it is a
404 exactly like an id that does not exist.
"""
import base64
import binascii
import json
import re
import secrets
import time
from datetime import datetime, timezone
from typing import List, Optional

from chalicelib import providers, quota
from chalicelib.errors import BadRequest, NotFound, UpstreamUnavailable
from chalicelib.interviewers.base import DEFAULT_LANGUAGE, LANGUAGES, SPEECH_LANG
from chalicelib.models import InterviewModel, MessageModel, UserModel
from chalicelib.s3_objects import NotAllDeleted

MAX_ANSWER_CHARS = 4000
MAX_TOPIC_CHARS = 100
MAX_JOB_DESCRIPTION_CHARS = 4000
DEFAULT_PAGE = 20
MAX_PAGE = 50
DEFAULT_MESSAGES = 100
MAX_MESSAGES = 200
ID_PATTERN = re.compile(r'^\d{13}-[0-9a-f]{16}$')
NOT_FOUND = 'Interview not found.'
RECENT_MESSAGES = 8  # what a turn reads of the conversation; the summary keeps the rest
SUMMARY_ENTRIES = 40  # (the prompt shows what fits 1,500 characters of them)
SUMMARY_ENTRY_CHARS = 150  # the item is rewritten each turn: small keeps its write units low
AUDIO_NOT_DELETED = 'Some of the interview\'s audio could not be deleted, so nothing was deleted yet. Please try again.'


# -- request fields particular to interviews ---------------------------------------------------
def language_field(body: dict) -> str:
    value = body.get('language', DEFAULT_LANGUAGE)
    if value is None:
        return DEFAULT_LANGUAGE
    if not isinstance(value, str) or value.strip().lower() not in LANGUAGES:
        raise BadRequest(f'language must be one of: {", ".join(sorted(LANGUAGES))}.')
    return value.strip().lower()


def checked_id(interview_id: str) -> str:
    if not ID_PATTERN.match(interview_id or ''):
        raise BadRequest('That interview id is malformed; use an id from GET /api/interviews/.')
    return interview_id


def new_interview_id() -> str:
    """Sorts by creation time (milliseconds), with randomness so ids cannot be guessed."""
    return f'{int(time.time() * 1000):013d}-{secrets.token_hex(8)}'


# -- lookups ----------------------------------------------------------------------------------
def current_interview(user: UserModel) -> Optional[InterviewModel]:
    newest = latest(user, 1)
    return newest[0] if newest else None


def latest(user: UserModel, count: int) -> List[InterviewModel]:
    """The user's newest `count` interviews, newest first (the first is the current one)."""
    return list(InterviewModel.query(user.user_id, scan_index_forward=False, limit=count, page_size=count))


def questions_asked_in(interviews: List[InterviewModel]) -> List[str]:
    """Bank question ids asked in these interviews, newest first."""
    return [asked for interview in interviews for asked in (interview.interviewer_state or {}).get('asked', [])]


def recent_questions(user: UserModel, count: int) -> List[str]:
    """Bank question ids asked in the user's last `count` interviews, newest first."""
    return questions_asked_in(latest(user, count))


def recent_messages(interview: InterviewModel, count: int = RECENT_MESSAGES) -> List[MessageModel]:
    """The interview's last `count` messages, oldest first: one bounded read, however long the
    interview has run (what came before is in the interview's running summary)."""
    newest_first = MessageModel.query(interview.interview_id, scan_index_forward=False, limit=count,
                                      page_size=count, consistent_read=True)
    return list(newest_first)[::-1]


def said_before(interview: InterviewModel, recent: list) -> List[str]:
    """What the interviewer said before the `recent` messages, from the running summary."""
    said = list(interview.summary or [])
    in_recent = sum(1 for message in recent if message.role == 'assistant')
    return said[:max(0, len(said) - in_recent)]  # the whole conversation given: nothing before it


def with_said(summary: Optional[list], text: str) -> list:
    """The running summary with one more thing the interviewer said: its start and its end (a
    turn ends with its question) when it is long, and only the newest SUMMARY_ENTRIES kept, so
    the interview item stays small however long it runs."""
    entry = ' '.join(text.split())
    if len(entry) > SUMMARY_ENTRY_CHARS:
        head = SUMMARY_ENTRY_CHARS // 3
        entry = f'{entry[:head].rstrip()} … {entry[-(SUMMARY_ENTRY_CHARS - head - 3):].lstrip()}'
    return [*(summary or []), entry][-SUMMARY_ENTRIES:]


def find(user: UserModel, interview_id: str) -> InterviewModel:
    try:
        return InterviewModel.get(user.user_id, checked_id(interview_id), consistent_read=True)
    except InterviewModel.DoesNotExist:
        raise NotFound(NOT_FOUND)


def messages_of(interview: InterviewModel) -> List[MessageModel]:
    return list(MessageModel.query(interview.interview_id, consistent_read=True))


# -- views (what a client may see: never the hidden notes or the interviewer's state) -------
def summary(interview: InterviewModel) -> dict:
    view = {'id': interview.interview_id, 'topic': interview.topic, 'language': interview.language,
            'speech_lang': SPEECH_LANG.get(interview.language), 'status': interview.status,
            'turns': int(interview.turns), 'has_report': interview.report is not None,
            'tokens': {'in': int(interview.tokens_in or 0), 'out': int(interview.tokens_out or 0)},
            'created_at': iso(interview.created_at), 'updated_at': iso(interview.updated_at)}
    if interview.job_description:
        view['job_description'] = interview.job_description
    return view


def message_view(message: MessageModel) -> dict:
    return {'role': message.role, 'content': message.content, 'created_at': iso(message.created_at)}


def describe(interview: InterviewModel) -> str:
    """The visible summary that stands as the `system` entry of a conversation."""
    return (f'Mock interview - topic: {interview.topic}; '
            f'language: {LANGUAGES.get(interview.language, interview.language)} ({interview.language}).')


def detail(user: UserModel, interview_id: str, limit: Optional[str] = None, cursor: Optional[str] = None) -> dict:
    """The interview and its messages oldest first, `limit` (default 100) at a time: a bounded
    read however long it ran. `messages_next` continues the list (null on the last page)."""
    interview = find(user, interview_id)
    size = _page_size(limit, default=DEFAULT_MESSAGES, most=MAX_MESSAGES)
    start = _message_cursor(cursor, interview) if cursor else None
    results = MessageModel.query(interview.interview_id, consistent_read=True, limit=size, page_size=size,
                                 last_evaluated_key=start)
    messages = list(results)
    last = results.last_evaluated_key
    more = last is not None and len(messages) == size and int(messages[-1].seq) < int(interview.next_seq) - 1
    body = {'interview': summary(interview), 'messages': [message_view(m) for m in messages],
            'messages_next': _encode_cursor({'seq': int(messages[-1].seq)}) if more else None}
    if interview.report is not None:
        body['report'] = interview.report
    return body


def _message_cursor(cursor: str, interview: InterviewModel) -> dict:
    invalid = BadRequest('next is not a valid cursor; pass the value of "messages_next" from the previous page.')
    key = _cursor_json(cursor, invalid)
    if not isinstance(key, dict) or set(key) != {'seq'} or type(key['seq']) is not int or not 0 <= key['seq'] < 10 ** 6:
        raise invalid
    return {'interview_id': {'S': interview.interview_id}, 'seq': {'N': str(key['seq'])}}


def page(user: UserModel, limit: Optional[str], cursor: Optional[str]) -> dict:
    """The user's interviews, newest first, `limit` at a time, continued by an opaque cursor."""
    size = _page_size(limit)
    start = _decode_cursor(cursor, user) if cursor else None
    results = InterviewModel.query(user.user_id, scan_index_forward=False, limit=size,
                                   page_size=size, last_evaluated_key=start)
    items = [summary(interview) for interview in results]
    last = results.last_evaluated_key
    return {'interviews': items, 'next': _encode_cursor(last) if last and len(items) == size else None}


def _page_size(raw: Optional[str], default: int = DEFAULT_PAGE, most: int = MAX_PAGE) -> int:
    if raw is None or raw == '':
        return default
    # '²' is a digit too, and int() refuses more than 4,300 digits: check the text first.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not 1 <= int(raw) <= most:
        raise BadRequest(f'limit must be a whole number from 1 to {most}.')
    return int(raw)


def _encode_cursor(key: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(',', ':')).encode()).decode().rstrip('=')


def _cursor_json(cursor: str, invalid: BadRequest):
    """What _encode_cursor encoded, or `invalid`."""
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + '=' * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, RecursionError):  # RecursionError: JSON nested too deeply
        raise invalid


def _decode_cursor(cursor: str, user: UserModel) -> dict:
    invalid = BadRequest('next is not a valid cursor; pass the value of "next" from the previous page.')
    key = _cursor_json(cursor, invalid)
    # A cursor is only ever a key of the caller's own interviews.
    if (not isinstance(key, dict) or set(key) != {'user_id', 'interview_id'}
            or key['user_id'] != {'S': user.user_id}
            or not isinstance(key['interview_id'], dict) or not ID_PATTERN.match(str(key['interview_id'].get('S', '')))):
        raise invalid
    return key


# -- deleting ---------------------------------------------------------------------------------
def delete(user: UserModel, interview_id: str) -> None:
    """The interview, its messages, its report and its audio. Messages go first, so a failure
    half-way leaves an interview that can be deleted again, never orphaned messages."""
    interview = find(user, interview_id)
    messages = messages_of(interview)
    store = providers.audio_store()
    try:
        store.delete([key for m in messages if m.role == 'assistant'
                      for key in store.keys_in_any_voice(m.content, interview.language, user.user_id,
                                                         user.audio_salt or '')])
    except NotAllDeleted:  # nothing else is deleted yet, so asking again does it all
        raise UpstreamUnavailable(AUDIO_NOT_DELETED, {'Retry-After': '5'})
    with MessageModel.batch_write() as batch:
        for message in messages:
            batch.delete(message)
    interview.delete()


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace('+00:00', 'Z')


def conversation(user: UserModel) -> dict:
    """GET /api/chat/gpt/: the current interview oldest first, and today's usage. Read-only."""
    interview = current_interview(user)
    entries = []
    if interview is not None:
        entries.append({'role': 'system', 'content': describe(interview)})
        entries += [{'role': m.role, 'content': m.content} for m in messages_of(interview)]
    body = {'conversations': entries, **quota.status(user).as_dict()}
    if interview is not None:
        body['interview'] = summary(interview)
    return body

"""The reply's `audio_url`: a signed link to GET /api/audio/..., so the text never waits for speech.

A turn answers as soon as its text is stored, with a URL of this API's audio route. The first
fetch synthesizes the clip and stores it in S3; every fetch is then redirected (302) to a
presigned S3 URL. An audio element sends no Authorization header, so the link carries its
own proof: an HMAC of what it names and when it expires, keyed by the account's secret audio
salt (no new secret to manage, and deleting the account voids its links).
"""
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlencode

from chalicelib import config, providers
from chalicelib.audio import SPEECH_FAILED, SPEECH_OFF
from chalicelib.errors import ApiError, BadRequest, NotFound, UpstreamUnavailable
from chalicelib.interview_messages import audio_error_in_language
from chalicelib.interviewers.base import LANGUAGES
from chalicelib.models import MessageModel, UserModel

ID = re.compile(r'^[0-9a-f]{32}$')
INTERVIEW_ID = re.compile(r'^\d{13}-[0-9a-f]{16}$')
LINK_NOT_VALID = 'This audio link is not valid. Ask for the reply again to get a new one.'
LINK_EXPIRED = 'This audio link has expired. Ask for the reply again to get a new one.'


class Gone(ApiError):
    status = 410


@dataclass(frozen=True)
class Clip:
    user_id: str
    interview_id: str
    seq: int
    language: str
    expires: int


def link(base_url: str, user: UserModel, interview_id: str, seq: int, language: str) -> str:
    """The signed URL of the clip of message `seq`, valid as long as a presigned audio URL."""
    expires = int(time.time()) + config.settings().audio_url_ttl_seconds
    clip = Clip(user.user_id, interview_id, seq, language, expires)
    query = urlencode({'u': clip.user_id, 'l': language, 'e': expires, 's': _signature(clip, user.audio_salt or '')})
    return f'{base_url}/api/audio/{interview_id}/{seq}/?{query}'


def redirect_to_clip(interview_id: str, seq: str, params: dict) -> str:
    """GET /api/audio/{interview_id}/{seq}/: the presigned S3 URL of the clip, synthesized on the
    first fetch. 404 for a link we did not sign (as for one that names nothing), 410 once it
    has expired, 503 when speech fails."""
    clip = _parse(interview_id, seq, params)
    if clip.expires < time.time():
        raise Gone(LINK_EXPIRED)
    try:
        user = UserModel.get(clip.user_id)
    except UserModel.DoesNotExist:
        raise NotFound(LINK_NOT_VALID)
    if user.deleted_at is not None or not hmac.compare_digest(
            _signature(clip, user.audio_salt or ''), str(params.get('s') or '')):
        raise NotFound(LINK_NOT_VALID)
    try:
        message = MessageModel.get(clip.interview_id, clip.seq)
    except MessageModel.DoesNotExist:
        raise NotFound(LINK_NOT_VALID)
    audio = providers.audio_store().speak(message.content, clip.language, user.user_id, user.audio_salt or '')
    if audio.url is None:  # said in the interview's language, like the reply it belongs to
        raise UpstreamUnavailable(audio_error_in_language(audio.error or SPEECH_FAILED, clip.language),
                                  {'Retry-After': '5'})
    return audio.url


def _parse(interview_id: str, seq: str, params: dict) -> Clip:
    user_id, language, expires = params.get('u') or '', params.get('l') or '', params.get('e') or ''
    if (not INTERVIEW_ID.match(interview_id or '') or not (seq or '').isascii() or not (seq or '').isdigit()
            or len(seq) > 6 or not ID.match(user_id) or language not in LANGUAGES
            or not expires.isascii() or not expires.isdigit() or len(expires) > 12):
        raise BadRequest(LINK_NOT_VALID)
    return Clip(user_id, interview_id, int(seq), language, int(expires))


def _signature(clip: Clip, salt: str) -> str:
    text = f'{clip.user_id}/{clip.interview_id}/{clip.seq}/{clip.language}/{clip.expires}'
    return hmac.new(salt.encode('utf-8'), text.encode('utf-8'), hashlib.sha256).hexdigest()[:32]


def optional_link(base_url: Optional[str], user: UserModel, interview_id: str, seq: int, language: str):
    """(audio_url, audio_error) for a reply: a link when speech is on, else None and why."""
    if providers.synthesizer() is None:
        return None, SPEECH_OFF
    return link(base_url or '', user, interview_id, seq, language), None

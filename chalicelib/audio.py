"""Spoken replies in S3: synthesize once per (voice, language, text), hand out presigned URLs."""
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Optional

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.s3_objects import delete_keys, keys_under, owner_prefix
from chalicelib.speech import SpeechFailed, known_voices

logger = logging.getLogger('mock_interviewer')
SPEECH_OFF = 'Spoken replies are turned off on this server.'
SPEECH_SLOW = 'Text-to-speech took too long; the reply is text only this time.'
SPEECH_FAILED = 'Text-to-speech failed; the reply is text only this time.'
STORAGE_FAILED = 'The audio could not be stored; the reply is text only this time.'
# Synthesis runs in a worker so one slow clip cannot hold the request past its deadline.
_workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix='speech')


@dataclass(frozen=True)
class Audio:
    url: Optional[str]
    error: Optional[str]


class AudioStore:
    def __init__(self, s3, bucket: str, prefix: str, url_ttl_seconds: int, synthesizer,
                 deadline_seconds: float):
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self.url_ttl_seconds = url_ttl_seconds
        self.synthesizer = synthesizer
        self.deadline_seconds = deadline_seconds

    def owner_prefix(self, owner: str) -> str:
        return owner_prefix(self.prefix, owner)

    def key_for(self, text: str, language: str, owner: str, salt: str, voice: Optional[str] = None) -> str:
        """Same user, voice, language and text: same key, so a repeated reply is synthesized once.
        The user's secret salt makes keys unguessable even by someone who knows the text."""
        voice = voice or (self.synthesizer.voice(language) if self.synthesizer else 'none')
        digest = hashlib.sha256(f'{salt}\n{voice}\n{language}\n{text}'.encode('utf-8')).hexdigest()
        return f'{self.owner_prefix(owner)}{digest}.mp3'

    def keys_in_any_voice(self, text: str, language: str, owner: str, salt: str) -> list:
        """Where a clip of `text` may be, whichever engine spoke it (the provider may have changed)."""
        voices = {*known_voices(language), self.synthesizer.voice(language) if self.synthesizer else 'none'}
        return [self.key_for(text, language, owner, salt, voice) for voice in sorted(voices)]

    def delete_owner(self, owner: str) -> int:
        """Every clip of one user; returns how many were deleted, or raises NotAllDeleted."""
        keys = keys_under(self.s3, self.bucket, self.owner_prefix(owner))
        self.delete(keys)
        return len(keys)

    def delete(self, keys: list) -> None:
        """Removes the given clips, or raises NotAllDeleted naming those S3 kept."""
        delete_keys(self.s3, self.bucket, keys)

    def speak(self, text: str, language: str, owner: str, salt: str,
              deadline_seconds: Optional[float] = None) -> Audio:
        """A URL that plays `text`, or None with the reason; never raises. Synthesis gets at most
        `deadline_seconds` (default: the store's own), so the request can still answer in time."""
        if self.synthesizer is None:
            return Audio(None, SPEECH_OFF)
        key = self.key_for(text, language, owner, salt)
        try:
            if not self._exists(key):
                budget = self.deadline_seconds if deadline_seconds is None else min(deadline_seconds, self.deadline_seconds)
                mp3 = _workers.submit(self.synthesizer.synthesize, text, language).result(timeout=max(0.5, budget))
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=mp3, ContentType='audio/mpeg')
            url = self.s3.generate_presigned_url(
                'get_object', Params={'Bucket': self.bucket, 'Key': key}, ExpiresIn=self.url_ttl_seconds)
            return Audio(url, None)
        except SpeechFailed as error:
            logger.warning('speech failed: %s', error)
            return Audio(None, str(error))
        except FutureTimeout:
            logger.warning('speech did not finish in time')
            return Audio(None, SPEECH_SLOW)
        except (BotoCoreError, ClientError) as error:
            logger.warning('audio storage failed: %s', type(error).__name__)
            return Audio(None, STORAGE_FAILED)
        except Exception:  # a bug in a synthesizer must still not fail the chat
            logger.exception('speech failed unexpectedly')
            return Audio(None, SPEECH_FAILED)

    def _exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as error:
            if error.response.get('Error', {}).get('Code') in ('404', 'NoSuchKey', 'NotFound'):
                return False
            raise

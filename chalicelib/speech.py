"""Speech: synthesizers that turn a reply into MP3 bytes, behind one small interface.

`gtts` (Google Translate's voice; the default on AWS), `espeak` (espeak-ng + lame, fully
offline, for local runs) and `none`. Each raises SpeechFailed; callers never let that fail a chat.
"""
import io
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import List, Protocol

PIECE_CHARS = 100  # what gTTS fetches in one request anyway
PARALLEL_PIECES = 4  # Google answers 429 to many at once


class SpeechFailed(Exception):
    """Synthesis failed; the message is safe to show (no internals)."""


class Synthesizer(Protocol):
    name: str

    def voice(self, language: str) -> str:
        """The voice used for `language`; part of the audio cache key."""

    def synthesize(self, text: str, language: str) -> bytes:
        """MP3 bytes of `text` spoken in `language`."""


class GttsSynthesizer:
    name = 'gtts'
    VOICES = {'ko': 'ko', 'en': 'en'}

    def __init__(self, timeout_seconds: float):
        self.timeout_seconds = timeout_seconds

    def voice(self, language: str) -> str:
        return 'gtts-' + self.VOICES.get(language, 'en')

    def synthesize(self, text: str, language: str) -> bytes:
        """gTTS fetches ~100-character pieces one after another; a long reply is cut at sentence
        ends into pieces fetched at the same time, their MP3 frames joined in order (MP3 is a
        sequence of frames, so the joined file plays as one)."""
        pieces = sentence_pieces(text, PIECE_CHARS)
        if len(pieces) == 1:
            return self._piece(text, language)
        with ThreadPoolExecutor(max_workers=min(PARALLEL_PIECES, len(pieces)), thread_name_prefix='gtts') as pool:
            return b''.join(pool.map(lambda piece: self._piece(piece, language), pieces))

    def _piece(self, text: str, language: str) -> bytes:
        from gtts import gTTS  # imported here: a login should not pay for it
        from gtts.tts import gTTSError
        buffer = io.BytesIO()
        try:
            # gTTS waits forever by default; every one of its ~100-character requests gets this timeout.
            gTTS(text, lang=self.VOICES.get(language, 'en'), timeout=self.timeout_seconds).write_to_fp(buffer)
        except (gTTSError, OSError, ValueError) as error:
            raise SpeechFailed(f'Text-to-speech failed ({type(error).__name__}).') from error
        return buffer.getvalue()


class EspeakSynthesizer:
    """espeak-ng renders WAV, lame encodes it to MP3; both from Debian, no network."""
    name = 'espeak'
    VOICES = {'ko': 'ko', 'en': 'en-us'}

    def __init__(self, timeout_seconds: float):
        self.timeout_seconds = timeout_seconds

    def voice(self, language: str) -> str:
        return 'espeak-' + self.VOICES.get(language, 'en-us')

    @staticmethod
    def available() -> bool:
        return bool(shutil.which('espeak-ng') and shutil.which('lame'))

    def synthesize(self, text: str, language: str) -> bytes:
        if not self.available():
            raise SpeechFailed('The offline speech engine (espeak-ng and lame) is not installed.')
        try:
            wav = subprocess.run(['espeak-ng', '-v', self.VOICES.get(language, 'en-us'), '--stdout', '--', text],
                                 capture_output=True, check=True, timeout=self.timeout_seconds).stdout
            mp3 = subprocess.run(['lame', '--quiet', '-', '-'], input=wav,
                                 capture_output=True, check=True, timeout=self.timeout_seconds).stdout
        except (subprocess.SubprocessError, OSError) as error:
            raise SpeechFailed(f'The offline speech engine failed ({type(error).__name__}).') from error
        if not mp3:
            raise SpeechFailed('The offline speech engine produced no audio.')
        return mp3


def sentence_pieces(text: str, size: int) -> List[str]:
    """`text` cut after sentence ends into pieces of about `size` characters (a sentence longer
    than that stays whole: gTTS cuts it further itself)."""
    sentences = [part for part in re.split(r'(?<=[.?!。？！])\s+', ' '.join(text.split())) if part]
    pieces: List[str] = []
    for sentence in sentences:
        if pieces and len(pieces[-1]) + 1 + len(sentence) <= size:
            pieces[-1] = f'{pieces[-1]} {sentence}'
        else:
            pieces.append(sentence)
    return pieces or [text]


def known_voices(language: str) -> list:
    """Every voice a built-in synthesizer may have used for `language` (to find old clips)."""
    return [GttsSynthesizer(0).voice(language), EspeakSynthesizer(0).voice(language)]


def build_synthesizer(provider: str, timeout_seconds: float):
    """The synthesizer named by configuration, or None for `none`."""
    if provider == 'gtts':
        return GttsSynthesizer(timeout_seconds)
    if provider == 'espeak':
        return EspeakSynthesizer(timeout_seconds)
    if provider == 'none':
        return None
    raise ValueError(f'Unknown SPEECH_PROVIDER {provider!r}; use gtts, espeak or none.')

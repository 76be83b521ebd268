"""Which interviewer, synthesizer and S3 client serve requests, chosen by configuration.

Built on first use and kept for the container's life. Tests hand in fakes with `override`
instead of patching module internals.
"""
from contextlib import contextmanager
from functools import lru_cache

from chalicelib import config
from chalicelib.audio import AudioStore
from chalicelib.speech import build_synthesizer

_overrides: dict = {}


@contextmanager
def override(**providers):
    """Temporarily use the given providers: interviewer=..., synthesizer=..., s3=..."""
    previous = dict(_overrides)
    _overrides.update(providers)
    try:
        yield
    finally:
        _overrides.clear()
        _overrides.update(previous)


def interviewer():
    if 'interviewer' in _overrides:
        return _overrides['interviewer']
    s = config.settings()
    if s.interviewer_provider == 'offline':
        return _offline_interviewer(s.interview_questions)
    if s.interviewer_provider == 'openai':
        return _openai_interviewer(_openai_key(), s.openai_base_url, s.openai_model,
                                   s.openai_timeout_seconds, s.openai_max_retries,
                                   s.openai_max_output_tokens, s.context_budget_chars,
                                   s.interview_questions)
    raise ValueError(f'Unknown INTERVIEWER_PROVIDER {s.interviewer_provider!r}; use openai or offline.')


def interviewer_is_metered() -> bool:
    """Whether the interviewer's calls cost money (and so take from the model budgets)."""
    if 'interviewer' in _overrides:
        return bool(getattr(_overrides['interviewer'], 'metered', False))
    return config.settings().interviewer_provider == 'openai'


def offline_interviewer():
    """The built-in interviewer, which stands in whenever the model cannot."""
    return _offline_interviewer(config.settings().interview_questions)


@lru_cache(maxsize=2)
def _offline_interviewer(question_count: int):
    from chalicelib.interviewers.offline import OfflineInterviewer
    return OfflineInterviewer(question_count)


def _openai_key() -> str:
    from chalicelib.credentials import CredentialsUnavailable, openai_api_key
    from chalicelib.interviewers.base import InterviewerUnavailable
    try:
        return openai_api_key()
    except CredentialsUnavailable as error:
        raise InterviewerUnavailable(str(error))


@lru_cache(maxsize=2)
def _openai_interviewer(*args):
    from chalicelib.interviewers.openai_chat import OpenAIInterviewer  # the SDK is slow to import
    return OpenAIInterviewer(*args)


def synthesizer():
    if 'synthesizer' in _overrides:
        return _overrides['synthesizer']
    s = config.settings()
    return _synthesizer(s.speech_provider, s.speech_timeout_seconds)


@lru_cache(maxsize=4)
def _synthesizer(provider: str, timeout_seconds: float):
    return build_synthesizer(provider, timeout_seconds)


def s3():
    if 's3' in _overrides:
        return _overrides['s3']
    return _s3_client(config.settings().region)


@lru_cache(maxsize=2)
def _s3_client(region: str):
    import boto3
    from botocore.config import Config
    # Short timeouts: audio is optional, and a hung S3 call must not eat the request's 29 s.
    return boto3.client('s3', region_name=region, config=Config(
        connect_timeout=3, read_timeout=5, retries={'max_attempts': 2}, signature_version='s3v4'))


def audio_store() -> AudioStore:
    s = config.settings()
    return AudioStore(s3(), s.audio_bucket, s.audio_prefix, s.audio_url_ttl_seconds,
                      synthesizer(), deadline_seconds=s.speech_timeout_seconds * 2)


def export_store():
    from chalicelib.exports import ExportStore
    s = config.settings()
    return ExportStore(s3(), s.audio_bucket, s.export_prefix, s.export_url_ttl_seconds)

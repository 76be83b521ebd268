"""Every setting of the service, read from the environment in one place.

Settings are read on each call rather than at import: chalice's test client and
`chalice local` set the stage's variables around requests, and a Lambda container keeps
its environment for its whole life, so a fresh read is both correct and cheap.
"""
import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, '').strip()
    return int(raw) if raw else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, '').strip()
    return float(raw) if raw else default


def _str(name: str, default: str) -> str:
    raw = os.environ.get(name, '').strip()
    return raw if raw else default


@dataclass(frozen=True)
class Settings:
    region: str
    users_table: str
    usernames_table: str
    emails_table: str
    tokens_table: str
    interviews_table: str
    messages_table: str
    usage_table: str
    counters_table: str
    audio_bucket: str
    audio_prefix: str
    export_prefix: str
    audio_url_ttl_seconds: int
    cors_allow_origin: str
    public_api_url: str
    token_ttl_days: int
    bcrypt_rounds: int
    default_daily_chat_limit: int
    quota_timezone: str
    max_body_bytes: int
    interviewer_provider: str
    openai_api_key: str
    openai_api_key_parameter: str
    openai_base_url: str
    openai_model: str
    openai_timeout_seconds: float
    openai_max_retries: int
    openai_max_output_tokens: int
    context_budget_chars: int
    interview_questions: int
    speech_provider: str
    speech_timeout_seconds: float
    request_deadline_seconds: float
    log_level: str
    login_failure_limit: int
    login_failure_window_seconds: int
    login_username_ceiling: int
    registration_limit_per_ip: int
    registration_window_seconds: int
    model_calls_per_day: int
    model_calls_per_user_per_day: int
    export_inline_max_bytes: int
    export_url_ttl_seconds: int
    model_ceiling_action: str


def settings() -> Settings:
    api_key = os.environ.get('OPENAI_API_KEY', '').strip()
    key_parameter = os.environ.get('OPENAI_API_KEY_PARAMETER', '').strip()
    return Settings(
        region=_str('AWS_REGION', _str('AWS_DEFAULT_REGION', 'us-east-1')),
        users_table=_str('USERS_TABLE', 'mock-interviewer-users'),
        usernames_table=_str('USERNAMES_TABLE', 'mock-interviewer-usernames'),
        emails_table=_str('EMAILS_TABLE', 'mock-interviewer-emails'),
        tokens_table=_str('TOKENS_TABLE', 'mock-interviewer-tokens'),
        interviews_table=_str('INTERVIEWS_TABLE', 'mock-interviewer-interviews'),
        messages_table=_str('MESSAGES_TABLE', 'mock-interviewer-messages'),
        usage_table=_str('USAGE_TABLE', 'mock-interviewer-usage'),
        counters_table=_str('COUNTERS_TABLE', 'mock-interviewer-counters'),
        audio_bucket=_str('AUDIO_BUCKET', 'mock-interviewer-audio'),
        audio_prefix=_str('AUDIO_PREFIX', 'audio/'),
        export_prefix=_str('EXPORT_PREFIX', 'exports/'),
        audio_url_ttl_seconds=_int('AUDIO_URL_TTL_SECONDS', 900),
        cors_allow_origin=_str('CORS_ALLOW_ORIGIN', '*'),
        public_api_url=_str('PUBLIC_API_URL', ''),  # empty: as the request reached us
        token_ttl_days=_int('TOKEN_TTL_DAYS', 7),
        bcrypt_rounds=_int('BCRYPT_ROUNDS', 12),
        default_daily_chat_limit=_int('DAILY_CHAT_LIMIT', 6),
        quota_timezone=_str('QUOTA_TIMEZONE', 'UTC'),
        max_body_bytes=_int('MAX_BODY_BYTES', 64 * 1024),
        # With no key there is no model to call, so the built-in interviewer is the default.
        interviewer_provider=_str('INTERVIEWER_PROVIDER', 'openai' if api_key or key_parameter else 'offline'),
        openai_api_key=api_key,
        openai_api_key_parameter=key_parameter,  # an SSM SecureString name, read once per container
        openai_base_url=_str('OPENAI_BASE_URL', 'https://api.openai.com/v1'),
        openai_model=_str('OPENAI_MODEL', 'gpt-4o-mini'),
        # Two tries of 12 s each still answer inside API Gateway's 29 s cut-off.
        openai_timeout_seconds=_float('OPENAI_TIMEOUT_SECONDS', 12.0),
        openai_max_retries=_int('OPENAI_MAX_RETRIES', 1),
        openai_max_output_tokens=_int('OPENAI_MAX_OUTPUT_TOKENS', 300),
        context_budget_chars=_int('CONTEXT_BUDGET_CHARS', 6000),
        interview_questions=_int('INTERVIEW_QUESTIONS', 5),
        speech_provider=_str('SPEECH_PROVIDER', 'gtts'),
        speech_timeout_seconds=_float('SPEECH_TIMEOUT_SECONDS', 6.0),
        # API Gateway cuts a request at 29 s; speech gets what the model call left of this.
        request_deadline_seconds=_float('REQUEST_DEADLINE_SECONDS', 27.0),
        log_level=_str('LOG_LEVEL', 'INFO'),
        login_failure_limit=_int('LOGIN_FAILURE_LIMIT', 5),
        login_failure_window_seconds=_int('LOGIN_FAILURE_WINDOW_SECONDS', 900),
        # Attempts on one username from all addresses together, except those it logged in from.
        login_username_ceiling=_int('LOGIN_USERNAME_CEILING', 50),
        registration_limit_per_ip=_int('REGISTRATION_LIMIT_PER_IP', 20),
        registration_window_seconds=_int('REGISTRATION_WINDOW_SECONDS', 3600),
        # A ceiling on paid model calls across all users, so one bad day has a bounded bill.
        model_calls_per_day=_int('MODEL_CALLS_PER_DAY', 2000),
        # ...and per user, reports included, so one account cannot spend everyone's share.
        model_calls_per_user_per_day=_int('MODEL_CALLS_PER_USER_PER_DAY', 40),
        # Lambda answers at most 6 MB; a bigger export is written to S3 and linked instead.
        export_inline_max_bytes=_int('EXPORT_INLINE_MAX_BYTES', 4 * 1024 * 1024),
        export_url_ttl_seconds=_int('EXPORT_URL_TTL_SECONDS', 900),
        model_ceiling_action=_str('MODEL_CEILING_ACTION', 'reject'),  # reject | offline
    )


def describe_providers() -> str:
    current = settings()
    interviewer = current.interviewer_provider
    if interviewer == 'openai':
        interviewer = f'openai ({current.openai_model} at {current.openai_base_url})'
    return f'interviewer: {interviewer}, speech: {current.speech_provider}'

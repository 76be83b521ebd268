"""The DynamoDB tables, one PynamoDB model each. Names and region come from chalicelib/config.py."""
from pynamodb.attributes import (JSONAttribute, NumberAttribute, TTLAttribute,
                                 UnicodeAttribute, UTCDateTimeAttribute)
from pynamodb.connection import Connection
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib import config

_settings = config.settings()


class _Meta:
    region = _settings.region
    billing_mode = 'PAY_PER_REQUEST'
    # chalice local serves on many threads sharing one client; 10 (the default) makes it discard
    # connections under load. A Lambda container serves one request at a time either way.
    max_pool_connections = 50


class UserModel(Model):
    """An account. Keyed by the lower-cased username so uniqueness ignores case."""
    class Meta(_Meta):
        table_name = _settings.users_table

    username_key = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    daily_chat_limit = NumberAttribute(null=True)  # None: the configured default
    audio_salt = UnicodeAttribute(null=True)  # makes the user's audio keys unguessable
    created_at = UTCDateTimeAttribute()


class EmailClaimModel(Model):
    """Reserves a lower-cased email for one user; written in the same transaction as the user."""
    class Meta(_Meta):
        table_name = _settings.emails_table

    email_key = UnicodeAttribute(hash_key=True)
    username_key = UnicodeAttribute()


class TokensByUserIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = 'by_user'
        projection = KeysOnlyProjection()

    username_key = UnicodeAttribute(hash_key=True)


class TokenModel(Model):
    """A login session. Only the SHA-256 of the token is stored; DynamoDB's TTL removes it."""
    class Meta(_Meta):
        table_name = _settings.tokens_table

    token_hash = UnicodeAttribute(hash_key=True)
    username_key = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    by_user = TokensByUserIndex()


class InterviewModel(Model):
    """One interview of a user; ids sort by creation time, so the newest is the current one."""
    class Meta(_Meta):
        table_name = _settings.interviews_table

    username_key = UnicodeAttribute(hash_key=True)
    interview_id = UnicodeAttribute(range_key=True)
    topic = UnicodeAttribute()
    language = UnicodeAttribute()
    status = UnicodeAttribute(default='active')  # active | finished
    turns = NumberAttribute(default=0)  # answers given
    next_seq = NumberAttribute(default=0)  # seq of the next message; guards concurrent turns
    interviewer_state = JSONAttribute(null=True)  # owned by the interviewer provider
    job_description = UnicodeAttribute(null=True)
    tokens_in = NumberAttribute(default=0)  # model usage, from the provider's figures
    tokens_out = NumberAttribute(default=0)
    report = JSONAttribute(null=True)  # the feedback report, once the interview is ended
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class MessageModel(Model):
    """One message of an interview, in order: a separate item each, never one growing item."""
    class Meta(_Meta):
        table_name = _settings.messages_table

    interview_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    role = UnicodeAttribute()  # user | assistant
    content = UnicodeAttribute()
    notes = UnicodeAttribute(null=True)  # the interviewer's hidden notes: for the report only
    created_at = UTCDateTimeAttribute()


class UsageModel(Model):
    """Chats used by one user on one day (in the quota time zone); expires after a few days."""
    class Meta(_Meta):
        table_name = _settings.usage_table

    username_key = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # YYYY-MM-DD
    chats = NumberAttribute(default=0)  # not `count`: that would hide Model.count()
    tokens_in = NumberAttribute(default=0)
    tokens_out = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)


class CounterModel(Model):
    """A fixed-window counter for abuse limits (failed logins, sign-ups, model calls a day).
    The key names what is counted and its window; DynamoDB's TTL removes old windows."""
    class Meta(_Meta):
        table_name = _settings.counters_table

    counter_key = UnicodeAttribute(hash_key=True)  # e.g. login-failures:user:alice:1795640
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()


ALL_MODELS = [UserModel, EmailClaimModel, TokenModel, InterviewModel, MessageModel, UsageModel,
              CounterModel]


def connection() -> Connection:
    """The low-level connection transactions need, sharing the models' client."""
    return UserModel._get_connection().connection


def cancellation_codes(error) -> list:
    """Why DynamoDB cancelled a transaction, one code (or None) per item, in order."""
    return [reason.code if reason else None for reason in (error.cancellation_reasons or [])]


def reconnect(host: str = None) -> None:
    """Drop cached connections (and optionally point every table at `host`); for tests and tools."""
    for model in ALL_MODELS:
        model.Meta.host = host
        model._connection = None

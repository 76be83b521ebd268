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
    """An account, keyed by a random id that is never reused: everything the account owns is
    keyed by it, so a name that is deleted and registered again starts from nothing."""
    class Meta(_Meta):
        table_name = _settings.users_table

    user_id = UnicodeAttribute(hash_key=True)
    # Deleting an account first turns its item into a tombstone (deleted_at set, name, email and
    # password hash removed), so work in flight fails its condition and the rest can be removed
    # safely, again if need be; the tombstone goes last. Hence the nullable fields.
    username = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    daily_chat_limit = NumberAttribute(null=True)  # None: the configured default
    audio_salt = UnicodeAttribute(null=True)  # makes the user's audio keys unguessable
    created_at = UTCDateTimeAttribute()
    deleted_at = UTCDateTimeAttribute(null=True)


class UsernameModel(Model):
    """Reserves a lower-cased username for one account (the login lookup); written in the same
    transaction as the user, so uniqueness ignores case."""
    class Meta(_Meta):
        table_name = _settings.usernames_table

    username_key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class EmailClaimModel(Model):
    """Reserves a lower-cased email for one user; written in the same transaction as the user."""
    class Meta(_Meta):
        table_name = _settings.emails_table

    email_key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class TokensByUserIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = 'by_user'
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)


class TokenModel(Model):
    """A login session. Only the SHA-256 of the token is stored; DynamoDB's TTL removes it."""
    class Meta(_Meta):
        table_name = _settings.tokens_table

    token_hash = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    by_user = TokensByUserIndex()


class InterviewModel(Model):
    """One interview of a user; ids sort by creation time, so the newest is the current one."""
    class Meta(_Meta):
        table_name = _settings.interviews_table

    user_id = UnicodeAttribute(hash_key=True)
    interview_id = UnicodeAttribute(range_key=True)
    topic = UnicodeAttribute()
    language = UnicodeAttribute()
    status = UnicodeAttribute(default='active')  # active | finished
    turns = NumberAttribute(default=0)  # answers given
    next_seq = NumberAttribute(default=0)  # seq of the next message; guards concurrent turns
    interviewer_state = JSONAttribute(null=True)  # owned by the interviewer provider
    summary = JSONAttribute(null=True)  # what the interviewer said, shortened: the newest 40
    job_description = UnicodeAttribute(null=True)
    tokens_in = NumberAttribute(default=0)  # model usage, from the provider's figures
    tokens_out = NumberAttribute(default=0)
    report = JSONAttribute(null=True)  # the feedback report, once the interview is ended
    # Set while one request writes the report, so a second cannot call the model again.
    report_claim = UnicodeAttribute(null=True)
    report_claimed_at = UTCDateTimeAttribute(null=True)
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

    user_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # YYYY-MM-DD
    chats = NumberAttribute(default=0)  # not `count`: that would hide Model.count()
    model_calls = NumberAttribute(default=0)  # the user's daily model-call budget (billing.py)
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


class IdempotencyModel(Model):
    """A POST's Idempotency-Key and, once it succeeded, its answer (idempotency.py). Kept in
    the counters table: short-lived per-user records like the counters, removed by the same TTL."""
    class Meta(_Meta):
        table_name = _settings.counters_table

    counter_key = UnicodeAttribute(hash_key=True)  # idempotency:<user_id>:<sha256 of the key>
    owner = UnicodeAttribute()  # the request holding the claim
    fingerprint = UnicodeAttribute()  # of the request first sent with this key
    started_at = UTCDateTimeAttribute()
    result = JSONAttribute(null=True)
    expires_at = TTLAttribute()


ALL_MODELS = [UserModel, UsernameModel, EmailClaimModel, TokenModel, InterviewModel, MessageModel, UsageModel,
              CounterModel]


def account_is_open():
    """The condition every write for an account carries: the user item exists and is no tombstone."""
    return UserModel.user_id.exists() & UserModel.deleted_at.does_not_exist()


def connection() -> Connection:
    """The low-level connection transactions need, sharing the models' client."""
    return UserModel._get_connection().connection


def cancellation_codes(error) -> list:
    """Why DynamoDB cancelled a transaction, one code (or None) per item, in order."""
    return [reason.code if reason else None for reason in (error.cancellation_reasons or [])]


def reconnect(host: str = None) -> None:
    """Drop cached connections (and optionally point every table at `host`); for tests and tools."""
    for model in [*ALL_MODELS, IdempotencyModel]:  # the last shares the counters table
        model.Meta.host = host
        model._connection = None

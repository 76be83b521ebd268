"""Accounts and login tokens: registration, login, logout and authenticating a request."""
import hashlib
import re
import secrets
import time
import unicodedata
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Optional

import bcrypt
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import config, quota, throttle
from chalicelib.errors import BadRequest, Conflict, Unauthorized
from chalicelib.fields import string_field
from chalicelib.models import (EmailClaimModel, TokenModel, UsageModel, UsernameModel, UserModel, account_is_open,
                               cancellation_codes, connection)

USERNAME_PATTERN = re.compile(r'^[A-Za-z0-9_.-]{3,30}$')
# Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is not checked.
EMAIL_PATTERN = re.compile(r'^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$')
EMAIL_MARKUP = set('<>"`\\')
MAX_EMAIL_CHARS = 254
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; longer is refused, never truncated
MIN_PASSWORD_SCORE = 2  # zxcvbn: 0-1 are on common-password lists or guessed within ~10^6 tries
MAX_TOKEN_CHARS = 200
USER_ID_PATTERN = re.compile(r'^[0-9a-f]{32}$')

REQUIRED_FOR_REGISTER = 'Username, password, and email are required.'
REQUIRED_FOR_LOGIN = 'Username and password are required.'
INVALID_CREDENTIALS = 'Invalid credentials.'
NOT_AUTHENTICATED = 'Authentication credentials were not provided. Log in and send "Authorization: Token <token>".'
BAD_TOKEN = 'Your session token is invalid or has expired. Please log in again.'
ACCOUNT_GONE = 'This account has been deleted.'


def _now() -> datetime:
    return datetime.now(timezone.utc)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def validate_username(username: str) -> None:
    if not USERNAME_PATTERN.match(username):
        raise BadRequest('username must be 3 to 30 characters of letters, digits, "_", "." or "-".')


def normalized_email(email: str) -> str:
    """The address in NFKC form (so look-alike full-width letters become one address), or a 400
    for invisible or markup characters that could hide what an address says."""
    email = unicodedata.normalize('NFKC', email).strip()
    if any(unicodedata.category(char) in ('Cc', 'Cf', 'Zl', 'Zp') or char in EMAIL_MARKUP for char in email):
        raise BadRequest('email must not contain control, invisible or direction characters, or <, >, ", ` or \\.')
    if len(email) > MAX_EMAIL_CHARS or not EMAIL_PATTERN.match(email):
        raise BadRequest('email must be a valid address of at most 254 characters, like name@example.com.')
    return email


def validate_password(password: str, username: str = '', email: str = '') -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise BadRequest(f'password must be at least {MIN_PASSWORD_CHARS} characters long.')
    if len(password.encode('utf-8')) > MAX_PASSWORD_BYTES:
        raise BadRequest('password must be at most 72 bytes (bcrypt cannot use more); choose a shorter one.')
    from zxcvbn import zxcvbn  # only here: registration is the one place that needs its word lists
    verdict = zxcvbn(password, user_inputs=[value for value in (username, email) if value])
    if verdict['score'] < MIN_PASSWORD_SCORE:
        feedback = verdict.get('feedback') or {}
        advice = ' '.join(part for part in [feedback.get('warning') or '', *(feedback.get('suggestions') or [])] if part)
        raise BadRequest(f'password is too easy to guess. {advice}'.strip())


def hash_password(password: str) -> str:
    rounds = config.settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode('utf-8'), bcrypt.gensalt(rounds)).decode('ascii')


@lru_cache(maxsize=4)
def _decoy_hash(rounds: int) -> bytes:
    # Checked against for unknown users so they cost the same bcrypt work as a wrong password.
    return bcrypt.hashpw(secrets.token_bytes(16).hex().encode(), bcrypt.gensalt(rounds))


def new_user_id() -> str:
    """128 random bits: never reused, so nothing keyed by an old account reaches a new one."""
    return secrets.token_hex(16)


def register(body: dict, source_ip: str) -> None:
    username = string_field(body, 'username')
    email = string_field(body, 'email')
    password = string_field(body, 'password')
    password2 = string_field(body, 'password2')
    if not username or not email or not password:
        raise BadRequest(REQUIRED_FOR_REGISTER)
    username = username.strip()
    if password2 is not None and password2 != password:
        raise BadRequest('Passwords do not match')
    validate_username(username)
    email = normalized_email(email)
    validate_password(password, username, email)
    throttle.take_signup(source_ip)  # after validation: a typo does not use up the allowance

    user = UserModel(new_user_id(), username=username, email=email, audio_salt=secrets.token_hex(16),
                     password_hash=hash_password(password), created_at=_now())
    _create_user(user)


def _create_user(user: UserModel) -> None:
    """Writes the user and its username and email claims in one transaction whose conditions
    make both unique."""
    for attempt in range(4):
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(user, condition=UserModel.user_id.does_not_exist())
                transaction.save(UsernameModel(user.username.lower(), user_id=user.user_id),
                                 condition=UsernameModel.username_key.does_not_exist())
                transaction.save(EmailClaimModel(user.email.lower(), user_id=user.user_id),
                                 condition=EmailClaimModel.email_key.does_not_exist())
            return
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            if len(codes) > 1 and codes[1] == 'ConditionalCheckFailed':
                raise Conflict('Username already exists.')
            if len(codes) > 2 and codes[2] == 'ConditionalCheckFailed':
                raise Conflict('Email already exists.')
            # A concurrent transaction on the same keys: wait and retry until a condition decides.
            if 'TransactionConflict' in codes and attempt < 3:
                time.sleep(0.05 * (attempt + 1) + secrets.randbelow(50) / 1000)
                continue
            raise


def login(body: dict, source_ip: str) -> dict:
    username = string_field(body, 'username')
    password = string_field(body, 'password')
    if not username or not password:
        raise BadRequest(REQUIRED_FOR_LOGIN)
    user = find_user(username.strip())
    user = checked_password(user, username.strip(), password, source_ip)
    if user is None:
        raise Unauthorized(INVALID_CREDENTIALS)
    return issue_token(user)


def checked_password(user: Optional[UserModel], username: str, password: str,
                     source_ip: str) -> Optional[UserModel]:
    """The user if the password is theirs, else None. The attempt is counted before bcrypt
    runs (a 429 once the limits are used up) and given back when the password is right.
    Unknown users cost the same bcrypt work and count the same."""
    attempt = throttle.take_password_attempt(username, source_ip, user.user_id if user else None)
    if not _password_matches(user, password):
        return None
    throttle.password_was_right(attempt, user.user_id, source_ip)
    return user


def _password_matches(user: Optional[UserModel], password: str) -> bool:
    rounds = config.settings().bcrypt_rounds
    password_bytes = password.encode('utf-8')
    if len(password_bytes) > MAX_PASSWORD_BYTES:
        # bcrypt 5 refuses such input; no stored password can be this long, so it cannot match.
        bcrypt.checkpw(b'x', _decoy_hash(rounds))
        return False
    if user is None or not user.password_hash:
        bcrypt.checkpw(password_bytes, _decoy_hash(rounds))
        return False
    return bcrypt.checkpw(password_bytes, user.password_hash.encode('ascii'))


def issue_token(user: UserModel) -> dict:
    """A new session, written only while the account is open: a login racing the account's
    deletion stores nothing."""
    settings = config.settings()
    # The account's id leads the token, so one BatchGetItem can read the session and the account.
    token = f'{user.user_id}.{secrets.token_urlsafe(32)}'
    expires_at = _now() + timedelta(days=settings.token_ttl_days)
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.condition_check(UserModel, user.user_id, condition=account_is_open())
            transaction.save(TokenModel(hash_token(token), user_id=user.user_id,
                                        created_at=_now(), expires_at=expires_at))
    except TransactWriteError as error:
        if cancellation_codes(error)[:1] == ['ConditionalCheckFailed']:
            raise Unauthorized(INVALID_CREDENTIALS)
        raise
    return {'message': 'User logged in successfully.', 'Token': token,
            'expires_at': expires_at.replace(microsecond=0).isoformat().replace('+00:00', 'Z')}


def find_user(username: str) -> Optional[UserModel]:
    """The open account with this username (any case), or None."""
    if len(username) > 64:
        return None
    try:
        claim = UsernameModel.get(username.lower())
        user = UserModel.get(claim.user_id)
    except DoesNotExist:
        return None
    return user if user.deleted_at is None else None


def token_from_header(header: Optional[str]) -> str:
    """The token of an `Authorization: Token <t>` (or `Bearer <t>`) header, or a 401."""
    if not header or not header.strip():
        raise Unauthorized(NOT_AUTHENTICATED)
    parts = header.strip().split()
    if len(parts) != 2 or parts[0].lower() not in ('token', 'bearer'):
        raise Unauthorized(NOT_AUTHENTICATED)
    token = parts[1]
    # The original frontend sends "Token null" when nobody is logged in.
    if token.lower() in ('null', 'undefined') or len(token) > MAX_TOKEN_CHARS:
        raise Unauthorized(NOT_AUTHENTICATED)
    return token


def authenticate(header: Optional[str], allow_deleted: bool = False) -> UserModel:
    """The account a token belongs to, checked to still exist on every request: the session and
    the account are read in one round trip. A deleted account's token is refused, except
    (allow_deleted) by the deletion route, so a deletion that stopped half-way can be finished
    by asking again."""
    token = token_from_header(header)
    user_id = token.split('.', 1)[0]
    if not USER_ID_PATTERN.match(user_id):
        raise Unauthorized(BAD_TOKEN)
    day, _ = quota.today()
    record, user, usage = read_session(hash_token(token), user_id, day)
    # DynamoDB deletes expired items lazily (up to days later), so expiry is checked here too.
    if record is None or user is None or record.user_id != user.user_id:
        raise Unauthorized(BAD_TOKEN)
    if record.expires_at is None or record.expires_at <= _now():
        raise Unauthorized(BAD_TOKEN)
    if user.deleted_at is not None and not allow_deleted:
        raise Unauthorized(BAD_TOKEN)
    quota.remember_usage(user, day, usage)
    return user


def read_session(token_hash: str, user_id: str, day: str) -> tuple:
    """(TokenModel, UserModel, UsageModel of `day`; each None when absent), read with one
    BatchGetItem: what every request needs, in one round trip."""
    client = connection().client
    keys = {TokenModel.Meta.table_name: {'token_hash': {'S': token_hash}},
            UserModel.Meta.table_name: {'user_id': {'S': user_id}},
            UsageModel.Meta.table_name: {'user_id': {'S': user_id}, 'day': {'S': day}}}
    request = {table: {'Keys': [key]} for table, key in keys.items()}
    found = {}
    for _attempt in range(3):  # unprocessed keys (throttling) are asked for again
        answer = client.batch_get_item(RequestItems=request)
        for table, items in answer.get('Responses', {}).items():
            found.update({table: item for item in items})
        request = answer.get('UnprocessedKeys') or {}
        if not request:
            break
    return tuple(model.from_raw_data(found[model.Meta.table_name]) if model.Meta.table_name in found else None
                 for model in (TokenModel, UserModel, UsageModel))


def logout(header: Optional[str]) -> dict:
    authenticate(header)
    TokenModel(hash_token(token_from_header(header))).delete()
    return {'message': 'User logged out successfully.'}


def set_daily_limit(username: str, limit: Optional[int]) -> UserModel:
    """Operator action: a per-user daily chat limit (None restores the configured default)."""
    user = find_user(username)
    if user is None:
        raise LookupError(f'No user named {username!r}.')
    if limit is not None and limit < 0:
        raise ValueError('The limit must be zero or more.')
    action = UserModel.daily_chat_limit.set(limit) if limit is not None else UserModel.daily_chat_limit.remove()
    user.update(actions=[action], condition=account_is_open())
    return user


def profile(user: UserModel) -> dict:
    """GET /api/user/me/: the account, its daily limit and today's usage."""
    today = quota.status(user)
    return {'username': user.username, 'email': user.email,
            'created_at': user.created_at.isoformat().replace('+00:00', 'Z'),
            'daily_limit': today.limit, **today.as_dict(),
            'tokens_today': {'in': today.tokens_in, 'out': today.tokens_out}}

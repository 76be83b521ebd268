"""Accounts and login tokens: registration, login, logout and authenticating a request."""
import hashlib
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Optional

import bcrypt
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import config, quota, throttle
from chalicelib.errors import BadRequest, Conflict, Unauthorized
from chalicelib.fields import string_field
from chalicelib.models import EmailClaimModel, TokenModel, UserModel, cancellation_codes, connection

USERNAME_PATTERN = re.compile(r'^[A-Za-z0-9_.-]{3,30}$')
# Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is not checked.
EMAIL_PATTERN = re.compile(r'^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$')
MAX_EMAIL_CHARS = 254
MIN_PASSWORD_BYTES = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; longer is refused, never truncated
MAX_TOKEN_CHARS = 200

REQUIRED_FOR_REGISTER = 'Username, password, and email are required.'
REQUIRED_FOR_LOGIN = 'Username and password are required.'
INVALID_CREDENTIALS = 'Invalid credentials.'
NOT_AUTHENTICATED = 'Authentication credentials were not provided. Log in and send "Authorization: Token <token>".'
BAD_TOKEN = 'Your session token is invalid or has expired. Please log in again.'


def _now() -> datetime:
    return datetime.now(timezone.utc)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def validate_username(username: str) -> None:
    if not USERNAME_PATTERN.match(username):
        raise BadRequest('username must be 3 to 30 characters of letters, digits, "_", "." or "-".')


def validate_email(email: str) -> None:
    if len(email) > MAX_EMAIL_CHARS or not EMAIL_PATTERN.match(email):
        raise BadRequest('email must be a valid address of at most 254 characters, like name@example.com.')


def validate_password(password: str) -> None:
    size = len(password.encode('utf-8'))
    if size < MIN_PASSWORD_BYTES:
        raise BadRequest('password must be at least 8 characters long.')
    if size > MAX_PASSWORD_BYTES:
        raise BadRequest('password must be at most 72 bytes (bcrypt cannot use more); choose a shorter one.')


def hash_password(password: str) -> str:
    rounds = config.settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode('utf-8'), bcrypt.gensalt(rounds)).decode('ascii')


@lru_cache(maxsize=4)
def _decoy_hash(rounds: int) -> bytes:
    # Checked against for unknown users so they cost the same bcrypt work as a wrong password.
    return bcrypt.hashpw(secrets.token_bytes(16).hex().encode(), bcrypt.gensalt(rounds))


def register(body: dict, source_ip: str) -> None:
    username = string_field(body, 'username')
    email = string_field(body, 'email')
    password = string_field(body, 'password')
    password2 = string_field(body, 'password2')
    if not username or not email or not password:
        raise BadRequest(REQUIRED_FOR_REGISTER)
    username, email = username.strip(), email.strip()
    if password2 is not None and password2 != password:
        raise BadRequest('Passwords do not match')
    validate_username(username)
    validate_email(email)
    validate_password(password)
    throttle.take_signup(source_ip)  # after validation: a typo does not use up the allowance

    user = UserModel(username.lower(), username=username, email=email, audio_salt=secrets.token_hex(16),
                     password_hash=hash_password(password), created_at=_now())
    claim = EmailClaimModel(email.lower(), username_key=user.username_key)
    _create_user_with_email(user, claim)


def _create_user_with_email(user: UserModel, claim: EmailClaimModel) -> None:
    """Writes user and email claim in one transaction whose conditions make both unique."""
    for attempt in range(4):
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(user, condition=UserModel.username_key.does_not_exist())
                transaction.save(claim, condition=EmailClaimModel.email_key.does_not_exist())
            return
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            if codes and codes[0] == 'ConditionalCheckFailed':
                raise Conflict('Username already exists.')
            if len(codes) > 1 and codes[1] == 'ConditionalCheckFailed':
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
    throttle.check_login_allowed(username.strip(), source_ip)
    user = verified_user(username.strip(), password)
    if user is None:
        throttle.record_failed_login(username.strip(), source_ip)
        raise Unauthorized(INVALID_CREDENTIALS)
    return issue_token(user)


def verified_user(username: str, password: str) -> Optional[UserModel]:
    """The user if the password is theirs. Unknown users cost the same bcrypt work."""
    rounds = config.settings().bcrypt_rounds
    user = find_user(username) if len(username) <= 64 else None
    password_bytes = password.encode('utf-8')
    if len(password_bytes) > MAX_PASSWORD_BYTES:
        # bcrypt 5 refuses such input; no stored password can be this long, so it cannot match.
        bcrypt.checkpw(b'x', _decoy_hash(rounds))
        return None
    if user is None:
        bcrypt.checkpw(password_bytes, _decoy_hash(rounds))
        return None
    return user if bcrypt.checkpw(password_bytes, user.password_hash.encode('ascii')) else None


def issue_token(user: UserModel) -> dict:
    settings = config.settings()
    token = secrets.token_urlsafe(32)
    expires_at = _now() + timedelta(days=settings.token_ttl_days)
    TokenModel(hash_token(token), username_key=user.username_key,
               created_at=_now(), expires_at=expires_at).save()
    return {'message': 'User logged in successfully.', 'Token': token,
            'expires_at': expires_at.replace(microsecond=0).isoformat().replace('+00:00', 'Z')}


def find_user(username: str) -> Optional[UserModel]:
    try:
        return UserModel.get(username.lower())
    except DoesNotExist:
        return None


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


def authenticate(header: Optional[str]) -> UserModel:
    token = token_from_header(header)
    try:
        record = TokenModel.get(hash_token(token))
    except DoesNotExist:
        raise Unauthorized(BAD_TOKEN)
    # DynamoDB deletes expired items lazily (up to days later), so expiry is checked here too.
    if record.expires_at is None or record.expires_at <= _now():
        raise Unauthorized(BAD_TOKEN)
    user = find_user(record.username_key)
    if user is None:
        raise Unauthorized(BAD_TOKEN)
    return user


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
    user.update(actions=[action])
    return user


def profile(user: UserModel) -> dict:
    """GET /api/user/me/: the account, its daily limit and today's usage."""
    today = quota.status(user)
    return {'username': user.username, 'email': user.email,
            'created_at': user.created_at.isoformat().replace('+00:00', 'Z'),
            'daily_limit': today.limit, **today.as_dict(),
            'tokens_today': {'in': today.tokens_in, 'out': today.tokens_out}}

"""Abuse limits: counters in DynamoDB, each hit taken with one conditional atomic update.

Each limit counts hits in fixed windows and admits a hit only while the previous window and
the current one *together* hold fewer than the limit. Any span of one window's length lies
inside those two, so no span ever sees more than `limit` hits: a burst at a window boundary
cannot double the limit (a plain fixed window lets it). The price is that a used-up limit
can take up to two windows to come back, which suits limits meant to slow attackers.

What is limited here: password attempts (login and account deletion), sign-ups per address.
The daily model-call budgets live in billing.py.
"""
import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import List, Optional

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import config
from chalicelib.errors import RateLimited
from chalicelib.models import CounterModel

TOO_MANY_FAILED_LOGINS = 'Too many failed logins. Wait a few minutes before trying again.'
TOO_MANY_SIGNUPS = 'Too many accounts were created from your network recently. Try again later.'
TRUSTED_ADDRESS_DAYS = 30


@dataclass(frozen=True)
class Limit:
    name: str  # what is counted, e.g. 'login:pair:alice:203.0.113.9'
    seconds: int
    limit: int


@dataclass(frozen=True)
class Hit:
    """A hit counted in one window, so that it can be given back."""
    key: str


@dataclass(frozen=True)
class Refusal:
    retry_after: int


def take(limit: Limit, now: Optional[float] = None) -> 'Hit | Refusal':
    """Counts one hit if the limit has room, atomically: of many parallel requests exactly as
    many pass as there is room for."""
    now = time.time() if now is None else now
    index = int(now) // limit.seconds
    window_ends = (index + 1) * limit.seconds
    if limit.limit <= 0:
        return Refusal(max(1, window_ends - int(now)))
    previous = _hits(f'{limit.name}:{index - 1}')  # a closed window: it no longer changes
    room = limit.limit - previous
    key = f'{limit.name}:{index}'
    if room > 0 and _add(key, room, window_ends + limit.seconds):
        return Hit(key)
    # Room comes back when the previous window stops counting, or, if the current one is full
    # by itself, when the next window has passed it too.
    full_alone = _hits(key) >= limit.limit
    return Refusal(max(1, window_ends + (limit.seconds if full_alone else 0) - int(now)))


def give_back(hit: Hit) -> None:
    try:
        CounterModel(hit.key).update(actions=[CounterModel.hits.add(-1)], condition=CounterModel.hits > 0)
    except UpdateError as error:
        if error.cause_response_code != 'ConditionalCheckFailedException':
            raise


def _hits(key: str) -> int:
    try:
        return int(CounterModel.get(key, consistent_read=True).hits or 0)
    except DoesNotExist:
        return 0


def _add(key: str, below: int, expires: int) -> bool:
    try:
        CounterModel(key).update(
            actions=[CounterModel.hits.add(1),
                     CounterModel.expires_at.set(datetime.fromtimestamp(expires + 3600, timezone.utc))],
            condition=CounterModel.hits.does_not_exist() | (CounterModel.hits < below))
    except UpdateError as error:
        if error.cause_response_code == 'ConditionalCheckFailedException':
            return False
        raise
    return True


# -- password attempts (login and account deletion) -------------------------------------------
@dataclass
class Attempt:
    """The hits one password attempt took; a correct password gives them back."""
    hits: List[Hit] = field(default_factory=list)


def password_limits(username: str, source_ip: str, trusted: bool) -> List[Limit]:
    """Per username+address pair (what one attacker gets against one account), per address
    (one attacker trying many accounts), and per username across all addresses (many
    attackers against one account). The last does not apply to an address the account has
    logged in from before, so strangers cannot lock the owner out of their usual places."""
    s = config.settings()
    name = username.lower()[:64]
    limits = [Limit(f'login:pair:{name}:{source_ip}', s.login_failure_window_seconds, s.login_failure_limit),
              Limit(f'login:ip:{source_ip}', s.login_failure_window_seconds, s.login_failure_limit * 4)]
    if not trusted:
        limits.append(Limit(f'login:user:{name}', s.login_failure_window_seconds, s.login_username_ceiling))
    return limits


def take_password_attempt(username: str, source_ip: str, user_id: Optional[str]) -> Attempt:
    """Counts an attempt before the password is checked (so a parallel burst cannot slip past a
    check made before the hashes are compared), or a 429 naming when to try again."""
    trusted = user_id is not None and _hits(_trusted_key(user_id, source_ip)) > 0
    attempt = Attempt()
    for limit in password_limits(username, source_ip, trusted):
        outcome = take(limit)
        if isinstance(outcome, Refusal):
            for hit in attempt.hits:
                give_back(hit)
            raise RateLimited(TOO_MANY_FAILED_LOGINS, outcome.retry_after)
        attempt.hits.append(outcome)
    return attempt


def password_was_right(attempt: Attempt, user_id: str, source_ip: str) -> None:
    """A correct password costs nothing, and marks the address as one the owner uses."""
    for hit in attempt.hits:
        give_back(hit)
    expires = datetime.now(timezone.utc) + timedelta(days=TRUSTED_ADDRESS_DAYS)
    CounterModel(_trusted_key(user_id, source_ip), hits=1, expires_at=expires).save()


def _trusted_key(user_id: str, source_ip: str) -> str:
    # Hashed: this item outlives the short windows and need not name the address.
    return f"login-ok:{user_id}:{hashlib.sha256(source_ip.encode('utf-8')).hexdigest()[:20]}"


# -- sign-ups -----------------------------------------------------------------------------------
def take_signup(source_ip: str) -> None:
    s = config.settings()
    outcome = take(Limit(f'signups:ip:{source_ip}', s.registration_window_seconds, s.registration_limit_per_ip))
    if isinstance(outcome, Refusal):
        raise RateLimited(TOO_MANY_SIGNUPS, outcome.retry_after)

"""Abuse limits: fixed-window counters in DynamoDB, each a single conditional update.

Failed logins per username and per source address, sign-ups per source address, and a
ceiling on model calls a day across all users.
"""
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import config
from chalicelib.errors import RateLimited
from chalicelib.models import CounterModel

TOO_MANY_FAILED_LOGINS = 'Too many failed logins. Wait a few minutes before trying again.'
TOO_MANY_SIGNUPS = 'Too many accounts were created from your network recently. Try again later.'


@dataclass(frozen=True)
class Window:
    key: str
    limit: int
    ends_at: int  # epoch seconds

    @property
    def retry_after(self) -> int:
        return max(1, self.ends_at - int(time.time()))


def window(name: str, seconds: int, limit: int) -> Window:
    index = int(time.time()) // seconds
    return Window(f'{name}:{index}', limit, (index + 1) * seconds)


def hits(current: Window) -> int:
    try:
        return int(CounterModel.get(current.key).hits or 0)
    except DoesNotExist:
        return 0


def add_hit(current: Window) -> bool:
    """Counts one more hit if the window has room; False when it is full. Atomic."""
    if current.limit <= 0:
        return False
    counter = CounterModel(current.key)
    try:
        counter.update(actions=[CounterModel.hits.add(1),
                                CounterModel.expires_at.set(datetime.fromtimestamp(current.ends_at + 3600, timezone.utc))],
                       condition=CounterModel.hits.does_not_exist() | (CounterModel.hits < current.limit))
    except UpdateError as error:
        if error.cause_response_code == 'ConditionalCheckFailedException':
            return False
        raise
    return True


# -- failed logins ------------------------------------------------------------------------------
def _login_windows(username: str, source_ip: str) -> list:
    s = config.settings()
    return [window(f'login-failures:user:{username.lower()[:64]}', s.login_failure_window_seconds, s.login_failure_limit),
            window(f'login-failures:ip:{source_ip}', s.login_failure_window_seconds, s.login_failure_limit * 4)]


def check_login_allowed(username: str, source_ip: str) -> None:
    """A 429 while the username or the address has used up its failed logins."""
    for current in _login_windows(username, source_ip):
        if hits(current) >= current.limit:
            raise RateLimited(TOO_MANY_FAILED_LOGINS, current.retry_after)


def record_failed_login(username: str, source_ip: str) -> None:
    for current in _login_windows(username, source_ip):
        add_hit(current)


# -- sign-ups -----------------------------------------------------------------------------------
def take_signup(source_ip: str) -> None:
    s = config.settings()
    current = window(f'signups:ip:{source_ip}', s.registration_window_seconds, s.registration_limit_per_ip)
    if not add_hit(current):
        raise RateLimited(TOO_MANY_SIGNUPS, current.retry_after)


# -- the model ceiling --------------------------------------------------------------------------
def take_model_call() -> bool:
    """One of today's model calls across all users; False once the ceiling is reached."""
    return add_hit(window('model-calls', 86400, config.settings().model_calls_per_day))

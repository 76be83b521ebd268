"""The daily chat quota: one atomic conditional counter per user and day."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import config
from chalicelib.errors import RateLimited
from chalicelib.models import UsageModel, UserModel

LIMIT_REACHED = 'You have exceeded the chat request limit for today.'
KEEP_COUNTERS_DAYS = 3


@dataclass(frozen=True)
class QuotaStatus:
    day: str
    count: int
    limit: int
    resets_at: datetime
    tokens_in: int = 0
    tokens_out: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    def as_dict(self) -> dict:
        return {'count': self.count, 'limit': self.limit, 'remaining': self.remaining,
                'resets_at': self.resets_at.astimezone(timezone.utc).isoformat().replace('+00:00', 'Z')}

    def headers(self) -> dict:
        return {'X-RateLimit-Limit': str(self.limit),
                'X-RateLimit-Remaining': str(self.remaining),
                'X-RateLimit-Reset': str(int(self.resets_at.timestamp()))}


def today(now: Optional[datetime] = None) -> tuple:
    """(the quota day as YYYY-MM-DD, the moment it ends)."""
    zone = ZoneInfo(config.settings().quota_timezone)
    local_now = (now or datetime.now(timezone.utc)).astimezone(zone)
    start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    # Adding a day to the date (not 24 h) keeps midnight right across DST changes.
    next_day = (start.date() + timedelta(days=1))
    resets_at = datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone)
    return start.date().isoformat(), resets_at


def daily_limit(user: UserModel) -> int:
    if user.daily_chat_limit is not None:
        return int(user.daily_chat_limit)
    return config.settings().default_daily_chat_limit


def remember_usage(user: UserModel, day: str, usage: Optional[UsageModel]) -> None:
    """Keeps the day's usage read with the session on the user object, so the request does not
    read it again (accounts.authenticate reads both in one round trip)."""
    user._usage_today = (day, usage or UsageModel(user.user_id, day, chats=0))


def _usage(user: UserModel, day: str) -> UsageModel:
    remembered = getattr(user, '_usage_today', None)
    if remembered is not None and remembered[0] == day:
        return remembered[1]
    try:
        return UsageModel.get(user.user_id, day)
    except DoesNotExist:
        return UsageModel(user.user_id, day, chats=0)


def known_chats(user: UserModel, day: str) -> int:
    return int(_usage(user, day).chats or 0)


def status(user: UserModel) -> QuotaStatus:
    day, resets_at = today()
    usage = _usage(user, day)
    return QuotaStatus(day, int(usage.chats or 0), daily_limit(user), resets_at,
                       int(usage.tokens_in or 0), int(usage.tokens_out or 0))


def add_tokens(transaction, user_id: str, tokens_in: int, tokens_out: int) -> None:
    """Adds a request's model tokens to the user's day, inside the transaction that stores the
    request's work (the transaction's condition on the account keeps a deleted one deleted)."""
    if not (tokens_in or tokens_out):
        return
    day, resets_at = today()
    transaction.update(UsageModel(user_id, day), actions=[
        UsageModel.tokens_in.add(tokens_in), UsageModel.tokens_out.add(tokens_out),
        UsageModel.expires_at.set(resets_at + timedelta(days=KEEP_COUNTERS_DAYS))])


def consume(user: UserModel) -> QuotaStatus:
    """Uses one of today's chats, or raises RateLimited. Safe under any concurrency."""
    day, resets_at = today()
    limit = daily_limit(user)
    if limit <= 0:
        raise limit_reached(day, limit, resets_at)
    usage = UsageModel(user.user_id, day)
    try:
        usage.update(
            actions=[UsageModel.chats.add(1),
                     UsageModel.expires_at.set(resets_at + timedelta(days=KEEP_COUNTERS_DAYS))],
            condition=UsageModel.chats.does_not_exist() | (UsageModel.chats < limit),
        )
    except UpdateError as error:
        if error.cause_response_code != 'ConditionalCheckFailedException':
            raise
        raise limit_reached(day, limit, resets_at)
    return QuotaStatus(day, int(usage.chats), limit, resets_at)


def seconds_until(moment: datetime) -> int:
    return max(1, int((moment - datetime.now(timezone.utc)).total_seconds()) + 1)


def limit_reached(day: str, limit: int, resets_at: datetime) -> RateLimited:
    return RateLimited(LIMIT_REACHED, seconds_until(resets_at), QuotaStatus(day, limit, limit, resets_at).headers())

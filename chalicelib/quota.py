"""The daily chat quota: one atomic conditional counter per user and day."""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import config
from chalicelib.errors import RateLimited
from chalicelib.models import UsageModel, UserModel

logger = logging.getLogger('mock_interviewer')

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


def _today(now: Optional[datetime] = None) -> tuple:
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


def status(user: UserModel) -> QuotaStatus:
    day, resets_at = _today()
    try:
        usage = UsageModel.get(user.username_key, day)
    except DoesNotExist:
        return QuotaStatus(day, 0, daily_limit(user), resets_at)
    return QuotaStatus(day, int(usage.chats or 0), daily_limit(user), resets_at,
                       int(usage.tokens_in or 0), int(usage.tokens_out or 0))


def record_tokens(user: UserModel, tokens_in: int, tokens_out: int) -> None:
    """Adds a model call's token usage to today's figures (offline providers use none). Called
    after the work is stored, so a failure here is logged and never fails the request."""
    if not (tokens_in or tokens_out):
        return
    day, resets_at = _today()
    try:
        UsageModel(user.username_key, day).update(actions=[
            UsageModel.tokens_in.add(tokens_in), UsageModel.tokens_out.add(tokens_out),
            UsageModel.expires_at.set(resets_at + timedelta(days=KEEP_COUNTERS_DAYS))])
    except Exception:
        logger.exception('could not record token usage')


def consume(user: UserModel) -> QuotaStatus:
    """Uses one of today's chats, or raises RateLimited. Safe under any concurrency."""
    day, resets_at = _today()
    limit = daily_limit(user)
    if limit <= 0:
        raise _limit_reached(day, limit, resets_at)
    usage = UsageModel(user.username_key, day)
    try:
        usage.update(
            actions=[UsageModel.chats.add(1),
                     UsageModel.expires_at.set(resets_at + timedelta(days=KEEP_COUNTERS_DAYS))],
            condition=UsageModel.chats.does_not_exist() | (UsageModel.chats < limit),
        )
    except UpdateError as error:
        if error.cause_response_code != 'ConditionalCheckFailedException':
            raise
        raise _limit_reached(day, limit, resets_at)
    return QuotaStatus(day, int(usage.chats), limit, resets_at)


def _limit_reached(day: str, limit: int, resets_at: datetime) -> RateLimited:
    seconds = int((resets_at - datetime.now(timezone.utc)).total_seconds()) + 1
    return RateLimited(LIMIT_REACHED, seconds, QuotaStatus(day, limit, limit, resets_at).headers())


def refund(user: UserModel, used: QuotaStatus) -> None:
    """Gives back a chat whose turn failed, on the day it was taken from."""
    try:
        UsageModel(user.username_key, used.day).update(
            actions=[UsageModel.chats.add(-1)], condition=UsageModel.chats > 0)
    except UpdateError as error:
        if error.cause_response_code != 'ConditionalCheckFailedException':
            raise

"""Model calls are money: each is counted against the day's budgets before it is made, and its
tokens are recorded whether or not the request it served succeeds.

Two budgets a day: the user's own (MODEL_CALLS_PER_USER_PER_DAY, reports included), so one
account cannot spend everyone's share, and the whole service's (MODEL_CALLS_PER_DAY), so one
bad day has a bounded bill. Both are taken in one transaction, so a call refused by one never
uses up the other. Past either, MODEL_CEILING_ACTION says whether the offline interviewer
stands in or the request is refused.

A request's chat is given back only when the meter shows no call that may have been billed:
a call the model answered, or one that timed out (the model may have done the work). A call
refused with an HTTP error status or never connected is not billed by OpenAI.
"""
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import config, quota
from chalicelib.interviewers.base import InterviewerUnavailable
from chalicelib.models import (CounterModel, UsageModel, UserModel, account_is_open, cancellation_codes,
                               connection)

logger = logging.getLogger('mock_interviewer')

SERVICE_BUDGET_USED = ("Today's allowance of AI interviewer calls for the whole service is used up. "
                       'Please try again tomorrow.')
USER_BUDGET_USED = ("You have used today's allowance of AI interviewer calls. "
                    'It resets at midnight; until then, practise again tomorrow.')


class ModelBudgetExhausted(InterviewerUnavailable):
    """No model call is left today for this user (`whose` == 'user') or for the service."""

    def __init__(self, whose: str, stand_in: bool, retry_after: int):
        super().__init__(f'the {whose} model-call budget for today is used up')
        self.whose = whose
        self.stand_in = stand_in  # the offline interviewer takes over instead of a refusal
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return USER_BUDGET_USED if self.whose == 'user' else SERVICE_BUDGET_USED


@dataclass
class Meter:
    """The model calls of one request: taken from the budgets, and their tokens. A call may be
    prepaid (taken with the request's chat, in the same round trip); a budget found used up
    then is remembered, so the first call is refused without asking DynamoDB again."""
    user_id: str
    calls: int = 0
    billed: bool = False  # some call may have cost money
    tokens_in: int = 0
    tokens_out: int = 0
    prepaid: int = 0
    exhausted: Optional[ModelBudgetExhausted] = None

    def before_call(self) -> None:
        """Takes one call from today's budgets, or raises ModelBudgetExhausted."""
        if self.exhausted is not None:
            raise self.exhausted
        if self.prepaid:
            self.prepaid -= 1
        else:
            day, resets_at = quota.today()
            try:
                _take_calls(self.user_id, day, resets_at)
            except ModelBudgetExhausted as error:
                self.exhausted = error
                raise
        self.calls += 1

    def after_call(self, tokens_in: int = 0, tokens_out: int = 0, billed: bool = True) -> None:
        self.billed = self.billed or billed
        self.tokens_in += int(tokens_in or 0)
        self.tokens_out += int(tokens_out or 0)


def take_chat(user: UserModel, metered: bool) -> tuple:
    """(QuotaStatus, Meter): one of today's chats and, for a model interviewer, its first model
    call, in one round trip. A 429 when the chats are used up; a model budget that is used up
    does not refuse the chat here: the meter refuses the call, and the configured action
    (offline stand-in or refusal) follows from that."""
    meter = Meter(user.user_id)
    if not metered:
        return quota.consume(user), meter
    day, resets_at = quota.today()
    limit = quota.daily_limit(user)
    if limit <= 0:
        raise quota.limit_reached(day, limit, resets_at)
    chats = quota.known_chats(user, day)
    for _attempt in range(4):
        if chats >= limit:
            raise quota.limit_reached(day, limit, resets_at)
        try:
            _take_calls(user.user_id, day, resets_at, chats_before=chats)
            meter.prepaid = 1
            return quota.QuotaStatus(day, chats + 1, limit, resets_at), meter
        except ModelBudgetExhausted as error:
            meter.exhausted = error
            return quota.consume(user), meter
        except _ChatsChanged as changed:  # another request of this user counted a chat meanwhile
            chats = changed.chats
    return quota.consume(user), meter


def give_back(user: UserModel, used: quota.QuotaStatus, meter: Meter) -> None:
    """The chat of a request that billed nothing, and its prepaid call if it was never made."""
    UsageModel(user.user_id, used.day).update(
        actions=[UsageModel.chats.add(-1), *([UsageModel.model_calls.add(-1)] if meter.prepaid else [])],
        condition=(UsageModel.chats > 0))


SERVICE_SHARDS = 10  # the service's day count is spread over this many items: no hot key
SHARD_TRIES = 3


class _ChatsChanged(Exception):
    def __init__(self, chats: int):
        super().__init__(chats)
        self.chats = chats


def _take_calls(user_id: str, day: str, resets_at, chats_before: Optional[int] = None) -> None:
    """One model call from the user's day (their usage item; with a chat too when the chats
    counted so far, `chats_before`, are given: the condition that they are still that many
    makes the new count exact without reading it back) and from one shard of the service's
    day, in one transaction. Raises ModelBudgetExhausted, or _ChatsChanged."""
    s = config.settings()
    if s.model_calls_per_user_per_day <= 0:
        raise _exhausted('user', resets_at)
    shards = _shard_limits(s.model_calls_per_day)
    if not shards:
        raise _exhausted('service', resets_at)
    expires = resets_at + timedelta(days=quota.KEEP_COUNTERS_DAYS)
    usage = UsageModel(user_id, day)
    actions = [UsageModel.model_calls.add(1), UsageModel.expires_at.set(expires)]
    condition = UsageModel.model_calls.does_not_exist() | (UsageModel.model_calls < s.model_calls_per_user_per_day)
    if chats_before is not None:
        actions.append(UsageModel.chats.add(1))
        unchanged = UsageModel.chats == chats_before
        if chats_before == 0:  # a chat given back leaves 0; a new day has no item yet
            unchanged = unchanged | UsageModel.chats.does_not_exist()
        condition = condition & unchanged
    for shard in random.sample(range(len(shards)), min(SHARD_TRIES, len(shards))):
        counter = CounterModel(f'model-calls:{day}:{shard}')
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.update(usage, actions=actions, condition=condition)
                transaction.update(counter, actions=[CounterModel.hits.add(1), CounterModel.expires_at.set(expires)],
                                   condition=CounterModel.hits.does_not_exist() | (CounterModel.hits < shards[shard]))
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            if codes[:1] == ['ConditionalCheckFailed']:
                raise _why_refused(user_id, day, resets_at, chats_before)
            if codes[1:2] == ['ConditionalCheckFailed']:
                continue  # this shard is full; another may have room
            raise
        return
    raise _exhausted('service', resets_at)


def _shard_limits(ceiling: int) -> list:
    """The service's daily ceiling split exactly over min(SERVICE_SHARDS, ceiling) shards."""
    count = min(SERVICE_SHARDS, max(0, ceiling))
    return [ceiling // count + (1 if index < ceiling % count else 0) for index in range(count)] if count else []


def _why_refused(user_id: str, day: str, resets_at, chats_before: Optional[int]) -> Exception:
    """The user's item refused: their model calls are used up, or their chats changed."""
    try:
        usage = UsageModel.get(user_id, day, consistent_read=True)
    except UsageModel.DoesNotExist:
        usage = UsageModel(user_id, day)
    if int(usage.model_calls or 0) >= config.settings().model_calls_per_user_per_day:
        return _exhausted('user', resets_at)
    if chats_before is not None and int(usage.chats or 0) != chats_before:
        return _ChatsChanged(int(usage.chats or 0))
    return _exhausted('user', resets_at)


def _exhausted(whose: str, resets_at) -> ModelBudgetExhausted:
    seconds = quota.seconds_until(resets_at)
    return ModelBudgetExhausted(whose, config.settings().model_ceiling_action == 'offline', seconds)


def record_tokens_of_failed_request(meter: Meter) -> None:
    """A request that failed after calling the model still used those tokens: add them to the
    user's day, on condition that the account still exists (so a deleted account's usage is
    never written back). Never raises: the request's own error is the one to report."""
    if not (meter.tokens_in or meter.tokens_out):
        return
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.condition_check(UserModel, meter.user_id, condition=account_is_open())
            quota.add_tokens(transaction, meter.user_id, meter.tokens_in, meter.tokens_out)
    except Exception:
        logger.warning('could not record the token usage of a failed request')

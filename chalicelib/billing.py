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
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import config, quota
from chalicelib.interviewers.base import InterviewerUnavailable
from chalicelib.models import CounterModel, UserModel, account_is_open, cancellation_codes, connection

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
    """The model calls of one request: taken from the budgets, and their tokens."""
    user_id: str
    calls: int = 0
    billed: bool = False  # some call may have cost money
    tokens_in: int = 0
    tokens_out: int = 0

    def before_call(self) -> None:
        """Takes one call from today's budgets, or raises ModelBudgetExhausted."""
        s = config.settings()
        day, resets_at = quota.today()
        expires = resets_at + timedelta(days=1)
        budgets = [(f'model-calls:user:{self.user_id}:{day}', s.model_calls_per_user_per_day, 'user'),
                   (f'model-calls:{day}', s.model_calls_per_day, 'service')]
        for _key, limit, whose in budgets:
            if limit <= 0:
                raise self._exhausted(whose, resets_at)
        try:
            with TransactWrite(connection=connection()) as transaction:
                for key, limit, _whose in budgets:
                    transaction.update(CounterModel(key), actions=[
                        CounterModel.hits.add(1), CounterModel.expires_at.set(expires)],
                        condition=CounterModel.hits.does_not_exist() | (CounterModel.hits < limit))
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            for code, (_key, _limit, whose) in zip(codes, budgets):
                if code == 'ConditionalCheckFailed':
                    raise self._exhausted(whose, resets_at)
            raise
        self.calls += 1

    def after_call(self, tokens_in: int = 0, tokens_out: int = 0, billed: bool = True) -> None:
        self.billed = self.billed or billed
        self.tokens_in += int(tokens_in or 0)
        self.tokens_out += int(tokens_out or 0)

    @staticmethod
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

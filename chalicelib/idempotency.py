"""`Idempotency-Key` on the POSTs that cost a chat: a client that retries after a timeout gets
the first request's answer again instead of a second turn (and a second chat used).

A key is claimed with a conditional put before any work; the turn's own transaction turns the
claim into the stored answer, so a turn is never stored without it. A request that fails
gives its key back, so a retry runs afresh. Keys are per user, kept 24 hours, and bound to
the request they were first used with: the same key with another body is a 422.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.errors import ApiError, BadRequest, Conflict
from chalicelib.models import IdempotencyModel

HEADER = 'Idempotency-Key'
KEEP = timedelta(hours=24)
# A claim this old without an answer belongs to a request that died (Lambda stops at 30 s).
ABANDONED_AFTER = timedelta(seconds=60)
IN_PROGRESS = 'A request with this Idempotency-Key is still being processed. Wait for its answer, then retry.'
REUSED = 'This Idempotency-Key was already used with a different request. Use a new key for a new request.'


class Unprocessable(ApiError):
    status = 422


@dataclass
class Claim:
    record: IdempotencyModel
    stored: Optional[dict] = None  # the first request's answer, when it has one


def checked_key(raw: Optional[str]) -> Optional[str]:
    if raw is None:
        return None
    key = raw.strip()
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise BadRequest(f'{HEADER} must be 1 to 255 printable ASCII characters, e.g. a UUID.')
    return key


def claim(user_id: str, key: str, request_fingerprint: str) -> Claim:
    """The claim on `key` for this request, or the stored answer of the first one, or a 409
    while the first is still running."""
    now = datetime.now(timezone.utc)
    item_key = f"idempotency:{user_id}:{hashlib.sha256(key.encode('utf-8')).hexdigest()}"
    record = IdempotencyModel(item_key, owner=secrets.token_hex(8), fingerprint=request_fingerprint,
                              started_at=now, expires_at=now + KEEP)
    stale = now - ABANDONED_AFTER
    try:
        record.save(condition=IdempotencyModel.counter_key.does_not_exist()
                    | (IdempotencyModel.result.does_not_exist() & (IdempotencyModel.started_at < stale)))
        return Claim(record)
    except PutError as error:
        if error.cause_response_code != 'ConditionalCheckFailedException':
            raise
    try:
        first = IdempotencyModel.get(item_key, consistent_read=True)
    except DoesNotExist:  # the first request failed and gave the key back just now
        raise Conflict(IN_PROGRESS, {'Retry-After': '1'})
    if first.fingerprint != request_fingerprint:
        raise Unprocessable(REUSED)
    if first.result is None:
        raise Conflict(IN_PROGRESS, {'Retry-After': '2'})
    return Claim(first, stored=first.result)


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b' ' + path.encode() + b'\n' + (body or b'')).hexdigest()


def complete_in(transaction, claim_: Claim, answer: dict) -> None:
    """Stores the answer in the transaction that stores the turn."""
    transaction.update(claim_.record, actions=[IdempotencyModel.result.set(answer)],
                       condition=IdempotencyModel.owner == claim_.record.owner)


def give_back(claim_: Optional[Claim]) -> None:
    """After a failed request, so that its retry runs again."""
    if claim_ is None or claim_.stored is not None:
        return
    try:
        claim_.record.delete(condition=IdempotencyModel.owner == claim_.record.owner)
    except Exception:  # the claim goes stale by itself; the request's own error matters more
        pass

"""A user's rights over their data: all of it as one document, and deleting all of it."""
import json
from datetime import datetime, timezone

from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import accounts, config, interviews, providers, quota
from chalicelib.errors import BadRequest, Forbidden, UpstreamUnavailable
from chalicelib.fields import string_field
from chalicelib.s3_objects import NotAllDeleted
from chalicelib.models import (EmailClaimModel, InterviewModel, MessageModel, TokenModel,
                               UsageModel, UsernameModel, UserModel, account_is_open, connection)

WRONG_PASSWORD = 'That password is not right, so the account was not deleted.'
NOT_FINISHED = ('Your account is closed, but some of its stored audio could not be deleted yet. '
                'Send the same request again to finish deleting it.')


def export(user: UserModel) -> dict:
    """GET /api/user/export/: the account, sessions, usage, and every interview with its messages
    (the interviewer's notes on each answer included) and report. Token values are not kept
    anywhere, so sessions show only their dates. An export too big for one response (Lambda
    answers at most 6 MB) is stored in S3 and answered with a short-lived link instead."""
    document = {
        'exported_at': interviews.iso(datetime.now(timezone.utc)),
        'account': {'username': user.username, 'email': user.email, 'created_at': interviews.iso(user.created_at),
                    'daily_limit': quota.daily_limit(user),
                    'daily_limit_is_custom': user.daily_chat_limit is not None},
        'sessions': [{'created_at': interviews.iso(token.created_at), 'expires_at': interviews.iso(token.expires_at)}
                     for token in _tokens(user)],
        'usage': [{'day': usage.day, 'chats': int(usage.chats or 0), 'tokens_in': int(usage.tokens_in or 0),
                   'tokens_out': int(usage.tokens_out or 0)} for usage in UsageModel.query(user.user_id)],
        'interviews': [{**interviews.summary(interview),
                        'messages': [_exported_message(m) for m in interviews.messages_of(interview)],
                        'report': interview.report}
                       for interview in InterviewModel.query(user.user_id)],
    }
    size = len(json.dumps(document, ensure_ascii=False).encode('utf-8'))
    if size <= config.settings().export_inline_max_bytes:
        return document
    link = providers.export_store().put(user.user_id, document)
    return {'exported_at': document['exported_at'], 'size_bytes': size, **link}


def _exported_message(message: MessageModel) -> dict:
    view = interviews.message_view(message)
    if message.notes:
        view['interviewer_notes'] = message.notes
    return view


def delete(user: UserModel, body: dict, source_ip: str) -> None:
    """DELETE /api/user/me/: needs the password (with the same attempt limits as a login).

    The account is closed first, in one transaction: the user item becomes a tombstone and the
    username and email are freed, so every request in flight fails its condition and stores
    nothing. Then audio, messages, interviews, usage, counters and sessions go, and the
    tombstone last. If that stops half-way, the same request (the session still works for it
    alone) finishes the job without asking for the password again."""
    if user.deleted_at is None:
        password = string_field(body, 'password')
        if not password:
            raise BadRequest('password is required to delete your account.')
        if accounts.checked_password(user, user.username, password, source_ip) is None:
            raise Forbidden(WRONG_PASSWORD)
        _close(user)
    _remove_everything(user)


def _close(user: UserModel) -> None:
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.update(user, actions=[
                UserModel.deleted_at.set(datetime.now(timezone.utc)), UserModel.username.remove(),
                UserModel.email.remove(), UserModel.password_hash.remove()], condition=account_is_open())
            transaction.delete(UsernameModel(user.username.lower()),
                               condition=UsernameModel.user_id == user.user_id)
            transaction.delete(EmailClaimModel(user.email.lower()),
                               condition=EmailClaimModel.user_id == user.user_id)
    except TransactWriteError:
        # Closed by a parallel request already: finish the removal all the same.
        if UserModel.get(user.user_id, consistent_read=True).deleted_at is None:
            raise


def _remove_everything(user: UserModel) -> None:
    try:
        providers.audio_store().delete_owner(user.user_id)
        providers.export_store().delete_owner(user.user_id)
    except NotAllDeleted:
        raise UpstreamUnavailable(NOT_FINISHED, {'Retry-After': '5'})
    for interview in InterviewModel.query(user.user_id, consistent_read=True):
        with MessageModel.batch_write() as batch:
            for message in MessageModel.query(interview.interview_id, consistent_read=True):
                batch.delete(message)
        interview.delete()
    with UsageModel.batch_write() as batch:
        for usage in UsageModel.query(user.user_id, consistent_read=True):
            batch.delete(usage)
    with TokenModel.batch_write() as batch:
        for token in TokenModel.by_user.query(user.user_id):
            batch.delete(TokenModel(token.token_hash))
    try:
        user.delete(condition=UserModel.deleted_at.exists())
    except DeleteError as error:
        if error.cause_response_code != 'ConditionalCheckFailedException':
            raise


def finish_deletions() -> int:
    """Operator action: completes every deletion that stopped after closing the account (the
    user did not ask again). Returns how many were finished."""
    closed = list(UserModel.scan(UserModel.deleted_at.exists()))
    for user in closed:
        _remove_everything(user)
    return len(closed)


def _tokens(user: UserModel) -> list:
    hashes = [token.token_hash for token in TokenModel.by_user.query(user.user_id)]
    return [token for token in TokenModel.batch_get(hashes)] if hashes else []

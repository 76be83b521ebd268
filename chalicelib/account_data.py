"""A user's rights over their data: all of it as one document, and deleting all of it."""
from datetime import datetime, timezone

from pynamodb.transactions import TransactWrite

from chalicelib import accounts, interviews, providers, quota
from chalicelib.errors import BadRequest, Forbidden
from chalicelib.fields import string_field
from chalicelib.models import (EmailClaimModel, InterviewModel, MessageModel, TokenModel, UsageModel,
                               UserModel, connection)

WRONG_PASSWORD = 'That password is not right, so the account was not deleted.'


def export(user: UserModel) -> dict:
    """GET /api/user/export/: the account, sessions, usage, and every interview with its messages
    and report. Token values are not kept anywhere, so sessions show only their dates; the
    interviewer's private notes stay private, as everywhere else."""
    return {
        'exported_at': interviews.iso(datetime.now(timezone.utc)),
        'account': {'username': user.username, 'email': user.email, 'created_at': interviews.iso(user.created_at),
                    'daily_limit': quota.daily_limit(user),
                    'daily_limit_is_custom': user.daily_chat_limit is not None},
        'sessions': [{'created_at': interviews.iso(token.created_at), 'expires_at': interviews.iso(token.expires_at)}
                     for token in _tokens(user)],
        'usage': [{'day': usage.day, 'chats': int(usage.chats or 0), 'tokens_in': int(usage.tokens_in or 0),
                   'tokens_out': int(usage.tokens_out or 0)} for usage in UsageModel.query(user.username_key)],
        'interviews': [{**interviews.summary(interview),
                        'messages': [interviews.message_view(m) for m in interviews.messages_of(interview)],
                        'report': interview.report}
                       for interview in InterviewModel.query(user.username_key)],
    }


def delete(user: UserModel, body: dict) -> None:
    """DELETE /api/user/me/: needs the password. Removes audio, messages, interviews, usage and
    sessions, and the account itself last, so a failure half-way leaves an account that can log
    in and delete again, never data without an owner."""
    password = string_field(body, 'password')
    if not password:
        raise BadRequest('password is required to delete your account.')
    if accounts.verified_user(user.username_key, password) is None:
        raise Forbidden(WRONG_PASSWORD)
    providers.audio_store().delete_owner(user.username_key)
    for interview in InterviewModel.query(user.username_key):
        with MessageModel.batch_write() as batch:
            for message in MessageModel.query(interview.interview_id):
                batch.delete(message)
        interview.delete()
    with UsageModel.batch_write() as batch:
        for usage in UsageModel.query(user.username_key):
            batch.delete(usage)
    with TokenModel.batch_write() as batch:
        for token in TokenModel.by_user.query(user.username_key):
            batch.delete(TokenModel(token.token_hash))
    with TransactWrite(connection=connection()) as transaction:
        transaction.delete(EmailClaimModel(user.email.lower()))
        transaction.delete(UserModel(user.username_key))


def _tokens(user: UserModel) -> list:
    hashes = [token.token_hash for token in TokenModel.by_user.query(user.username_key)]
    return [token for token in TokenModel.batch_get(hashes)] if hashes else []

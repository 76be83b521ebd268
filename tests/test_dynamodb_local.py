"""What depends on DynamoDB's real semantics, against DynamoDB Local: conditional writes,
transactions and concurrency, through the API as `chalice local` serves it."""
import json
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.accounts import find_user
from chalicelib.models import EmailClaimModel, InterviewModel, MessageModel, UsageModel, UserModel

pytestmark = pytest.mark.dynamodb_local
PASSWORD = 'correct horse battery'


def call(base, method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={'Content-Type': 'application/json',
                                              **({'Authorization': f'Token {token}'} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b'{}')
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b'{}')


def signup(base, username='alice'):
    assert call(base, 'POST', '/api/user/register/', {'username': username, 'email': f'{username}@example.com',
                                                      'password': PASSWORD})[0] == 201
    return call(base, 'POST', '/api/user/login/', {'username': username, 'password': PASSWORD})[1]['Token']


def in_parallel(count, action):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda i: action(i), range(count)))


def test_30_concurrent_chats_with_limit_6_give_exactly_6_successes(served_api):
    token = signup(served_api)
    results = in_parallel(30, lambda i: call(served_api, 'POST', '/api/chat/gpt/',
                                             {'interview_topic': f'backend {i}'}, token))
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 6, 429: 24}
    alice = find_user('alice').user_id
    assert UsageModel.get(alice, next(iter(UsageModel.query(alice))).day).chats == 6
    assert InterviewModel.count(alice) == 6
    assert call(served_api, 'GET', '/api/chat/gpt/', token=token)[1]['count'] == 6


def test_concurrent_answers_to_one_interview_never_duplicate_or_lose_a_turn(served_api):
    token = signup(served_api)
    from chalicelib.accounts import set_daily_limit
    set_daily_limit('alice', 40)
    assert call(served_api, 'POST', '/api/chat/gpt/', {'interview_topic': 'backend'}, token)[0] == 200
    results = in_parallel(12, lambda i: call(served_api, 'POST', '/api/chat/gpt/',
                                             {'user_input': f'answer number {i} about indexes and caching'}, token))
    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {200, 409} and statuses[200] >= 1
    interview = next(iter(InterviewModel.query(find_user('alice').user_id)))
    messages = list(MessageModel.query(interview.interview_id))
    assert [m.seq for m in messages] == list(range(len(messages)))
    assert len(messages) == 1 + 2 * statuses[200]  # opening + a pair per successful turn
    assert [m.role for m in messages] == ['assistant'] + ['user', 'assistant'] * statuses[200]
    assert int(interview.turns) == statuses[200]
    assert call(served_api, 'GET', '/api/chat/gpt/', token=token)[1]['count'] == 1 + statuses[200]


def test_concurrent_registrations_of_one_username_create_exactly_one_account(served_api):
    results = in_parallel(10, lambda i: call(served_api, 'POST', '/api/user/register/', {
        'username': 'Alice' if i % 2 else 'alice', 'email': f'a{i}@example.com', 'password': PASSWORD}))
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: 9}
    assert {body['error'] for status, body in results if status == 409} == {'Username already exists.'}
    assert UserModel.count() == 1 and EmailClaimModel.count() == 1


def test_concurrent_registrations_of_one_email_create_exactly_one_account(served_api):
    results = in_parallel(10, lambda i: call(served_api, 'POST', '/api/user/register/', {
        'username': f'user{i}', 'email': 'Same@Example.com' if i % 2 else 'same@example.com', 'password': PASSWORD}))
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: 9}
    assert {body['error'] for status, body in results if status == 409} == {'Email already exists.'}
    assert UserModel.count() == 1 and EmailClaimModel.count() == 1


def test_quota_is_exact_under_threads_at_the_service_level(ddb):
    from datetime import datetime, timezone
    from chalicelib import quota
    from chalicelib.errors import RateLimited
    user = UserModel('bob-id', username='bob', email='bob@example.com', password_hash='x',
                     daily_chat_limit=6, created_at=datetime.now(timezone.utc))
    user.save()

    def try_once(_):
        try:
            quota.consume(user)
            return 'ok'
        except RateLimited:
            return 'limited'
    assert Counter(in_parallel(30, try_once)) == {'ok': 6, 'limited': 24}
    assert quota.status(user).count == 6

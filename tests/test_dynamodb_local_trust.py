"""Issue 9's parallel reproductions, through `chalice local` on DynamoDB Local (its threads
serve the requests at once): a burst of password guesses, concurrent reports, and an
account deleted while its chat waits for the model."""
import threading
import time
from collections import Counter

import pytest

from chalicelib.accounts import find_user
from chalicelib.models import InterviewModel, MessageModel, UserModel
from scripts.local_stack import ChaliceLocal
from tests.test_dynamodb_local import PASSWORD, call, in_parallel, signup

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture
def served_with_model(ddb, s3_local, fake_openai):
    """`chalice local` whose interviewer is the fake OpenAI server (answering slowly when told)."""
    environment = {'AWS_ENDPOINT_URL_DYNAMODB': ddb.endpoint, 'AWS_ENDPOINT_URL_S3': s3_local.endpoint,
                   'SPEECH_PROVIDER': 'none', 'BCRYPT_ROUNDS': '4',
                   'INTERVIEWER_PROVIDER': 'openai', 'OPENAI_API_KEY': 'sk-test-not-real',
                   'OPENAI_BASE_URL': fake_openai.base_url, 'OPENAI_MAX_RETRIES': '0', 'DAILY_CHAT_LIMIT': '20'}
    with ChaliceLocal(environment, log_name='chalice-trust') as server:
        yield server.endpoint, fake_openai


def test_a_burst_of_12_parallel_guesses_with_a_limit_of_5_lets_exactly_5_reach_the_password_check(served_api):
    signup(served_api)
    results = in_parallel(12, lambda i: call(served_api, 'POST', '/api/user/login/',
                                             {'username': 'alice', 'password': f'wrong guess {i}'}))
    assert Counter(status for status, _ in results) == {401: 5, 429: 7}


def test_8_parallel_reports_make_one_request_call_the_model_and_store_one_report(served_with_model):
    base, model = served_with_model
    token = signup(base)
    status, created = call(base, 'POST', '/api/interviews/', {'topic': 'backend', 'language': 'en'}, token)
    assert status == 201
    interview_id = created['interview']['id']
    assert call(base, 'POST', f'/api/interviews/{interview_id}/messages/', {'user_input': 'I add an index.'}, token)[0] == 200
    before = len(model.requests)
    model.mode, model.slow_seconds = 'slow', 1.0  # and not a report: two calls, then the offline one
    results = in_parallel(8, lambda i: call(base, 'POST', f'/api/interviews/{interview_id}/report/', token=token))
    statuses = Counter(status for status, _ in results)
    assert statuses[201] == 1 and statuses[201] + statuses[409] + statuses[200] == 8 and statuses[409] >= 1
    assert len(model.requests) - before == 2  # one request's attempt and its retry, not 16
    reports = {body['created_at'] for status, body in results if status in (200, 201)}
    assert len(reports) == 1
    assert call(base, 'GET', f'/api/interviews/{interview_id}/report/', token=token)[1]['created_at'] in reports


def test_an_account_deleted_while_its_chat_waits_for_the_model_keeps_nothing_of_it(served_with_model):
    base, model = served_with_model
    token = signup(base)
    assert call(base, 'POST', '/api/chat/gpt/', {'interview_topic': 'backend'}, token)[0] == 200
    old_id = find_user('alice').user_id
    model.mode, model.slow_seconds = 'slow', 2.0
    outcome = {}
    chat = threading.Thread(target=lambda: outcome.update(answer=call(
        base, 'POST', '/api/chat/gpt/', {'user_input': 'my private answer about my employer'}, token)))
    chat.start()
    time.sleep(0.7)  # the chat is now waiting for the model
    assert call(base, 'DELETE', '/api/user/me/', {'password': PASSWORD}, token)[0] == 200
    chat.join()
    status, body = outcome['answer']
    assert status == 401, body
    assert InterviewModel.count(old_id) == 0 and MessageModel.count() == 0 and UserModel.count() == 0
    model.mode = 'ok'
    stranger = signup(base)  # the same name, someone else
    status, conversation = call(base, 'GET', '/api/chat/gpt/', token=stranger)
    assert status == 200 and conversation['conversations'] == [] and conversation['count'] == 0

"""How many DynamoDB and S3 calls a request makes: the floor issue 10 set for a turn is one read
to authenticate, one quota update, one bounded read of the conversation, one transaction, and
one lookup of the interview. Counted through botocore's event hooks, like `make bench` does."""
import hashlib
import json
from collections import Counter

import pytest

from chalicelib import models, providers
from tests.fixtures import FakeSynthesizer, use_fake_openai


@pytest.fixture
def aws_calls(api):
    """Every AWS call made while the test runs, as (service, operation)."""
    calls = []
    clients = {id(m._get_connection().connection.client): m._get_connection().connection.client
               for m in [*models.ALL_MODELS, models.IdempotencyModel]}
    clients[id(providers.s3())] = providers.s3()

    def record(model, params, **kwargs):
        calls.append((model.service_model.service_name, model.name))
    for client in clients.values():
        client.meta.events.register('before-call.*.*', record)
    yield calls
    for client in clients.values():
        client.meta.events.unregister('before-call.*.*', record)


def started(api, **body):
    token = api.signup()
    from chalicelib.accounts import set_daily_limit
    set_daily_limit('alice', 100)
    created = api.post('/api/interviews/', {'topic': 'backend', 'language': 'en', **body}, token=token).json_body
    return token, created['interview']['id']


def dynamodb(calls):
    return Counter(operation for service, operation in calls if service == 'dynamodb')


@pytest.mark.parametrize('route', ['interview', 'chat'])
def test_an_offline_turn_makes_at_most_five_dynamodb_calls_and_no_s3_call(api, aws_calls, route):
    token, interview_id = started(api)
    for turn in range(3):
        aws_calls.clear()
        path = f'/api/interviews/{interview_id}/messages/' if route == 'interview' else '/api/chat/gpt/'
        with providers.override(synthesizer=FakeSynthesizer()):
            response = api.post(path, {'user_input': f'I would add an index ({turn}).'}, token=token)
        assert response.status_code == 200
        counted = dynamodb(aws_calls)
        assert sum(counted.values()) <= 5, counted
        assert counted['TransactWriteItems'] == 1 and counted['BatchGetItem'] == 1, counted
        assert not [call for call in aws_calls if call[0] == 's3'], aws_calls  # text never waits for speech


def test_a_model_turn_makes_at_most_five_dynamodb_calls(api, aws_calls, fake_openai, monkeypatch):
    use_fake_openai(monkeypatch, fake_openai, INTERVIEW_QUESTIONS='50')
    fake_openai.queue = [json.dumps({'reply': 'Hello. Could you briefly introduce yourself?', 'notes': 'n'})]
    token, interview_id = started(api)
    for turn in range(12):
        words = ' '.join(hashlib.sha256(f'{turn}:{i}'.encode()).hexdigest()[:8] for i in range(12))
        fake_openai.reply = json.dumps({'reply': f'Question {turn}: {words}?', 'notes': 'n'})
        aws_calls.clear()
        response = api.post(f'/api/interviews/{interview_id}/messages/', {'user_input': f'Answer {turn}.'}, token=token)
        assert response.status_code == 200
        counted = dynamodb(aws_calls)
        assert sum(counted.values()) <= 5, counted
        assert counted['Query'] == 1, counted  # one bounded read of the conversation, however long


def test_an_interviews_messages_come_in_pages_that_together_are_the_whole_conversation(api):
    token, interview_id = started(api)
    for turn in range(4):
        api.post(f'/api/interviews/{interview_id}/messages/', {'user_input': f'Answer {turn}.'}, token=token)
    whole = api.get(f'/api/interviews/{interview_id}/', token=token).json_body
    assert len(whole['messages']) == 9 and whole['messages_next'] is None
    pages, cursor = [], ''
    while True:
        page = api.get(f'/api/interviews/{interview_id}/?limit=4{cursor}', token=token).json_body
        pages.append(page['messages'])
        if page['messages_next'] is None:
            break
        cursor = f"&next={page['messages_next']}"
    assert [len(p) for p in pages] == [4, 4, 1] and sum(pages, []) == whole['messages']
    assert api.get(f'/api/interviews/{interview_id}/?next=bm9wZQ', token=token).status_code == 400
    assert api.get(f'/api/interviews/{interview_id}/?limit=201', token=token).status_code == 400


def test_a_cursor_of_deeply_nested_json_is_400_not_500(api):
    import base64
    token, interview_id = started(api)
    nested = base64.urlsafe_b64encode(b'[' * 5000).decode().rstrip('=')
    assert api.get(f'/api/interviews/?next={nested}', token=token).status_code == 400
    assert api.get(f'/api/interviews/{interview_id}/?next={nested}', token=token).status_code == 400


def test_what_was_said_before_the_messages_read_comes_from_the_summary_and_never_twice():
    from chalicelib import interviews
    from chalicelib.models import InterviewModel, MessageModel
    summary = [f'question {i}?' for i in range(40)]  # the summary keeps the newest 40
    interview = InterviewModel('u', 'i', summary=summary)
    recent = [MessageModel('i', n, role=role, content='x') for n, role in enumerate(['assistant', 'user'] * 4)]
    assert interviews.said_before(interview, recent) == summary[:36]
    whole = [MessageModel('i', n, role=role, content='x') for n, role in enumerate(['assistant', 'user'] * 45)]
    assert interviews.said_before(interview, whole) == []  # the whole interview is already there
    assert interviews.said_before(interview, []) == summary

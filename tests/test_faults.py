"""Faults injected one at a time: each gives a clear 503 or a degraded success, returns the
day's chat, stores no partial turn, and logs the request id without secrets."""
import logging
import socket

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from pynamodb.connection.base import Connection

from chalicelib import providers
from chalicelib.models import InterviewModel, MessageModel
from tests.fixtures import PASSWORD, FakeSynthesizer, ScriptedInterviewer, use_fake_openai, user_named


def stored_messages():
    return sorted((m.interview_id, m.seq, m.content) for m in MessageModel.scan())


@pytest.fixture
def started(api):
    """A user with an interview under way (one chat used)."""
    token = api.signup()
    assert api.post('/api/chat/gpt/', {'interview_topic': 'backend'}, token=token).status_code == 200
    return token


def assert_nothing_happened(api, token, before):
    assert stored_messages() == before
    assert api.get('/api/chat/gpt/', token=token).json_body['count'] == 1


def test_model_connection_refused_is_503(api, started, monkeypatch, fake_openai):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    use_fake_openai(monkeypatch, fake_openai)
    monkeypatch.setenv('OPENAI_BASE_URL', f'http://127.0.0.1:{port}/v1')
    before = stored_messages()
    response = api.post('/api/chat/gpt/', {'user_input': 'my answer'}, token=started)
    assert response.status_code == 503 and '다시 시도' in response.json_body['error']  # a Korean interview
    assert_nothing_happened(api, started, before)


def _throttle(monkeypatch, operation):
    real = Connection.dispatch

    def dispatch(self, operation_name, operation_kwargs):
        if operation_name == operation:
            raise ClientError({'Error': {'Code': 'ProvisionedThroughputExceededException',
                                         'Message': 'Rate of requests exceeds the allowed throughput.'}},
                              operation_name)
        return real(self, operation_name, operation_kwargs)
    monkeypatch.setattr(Connection, 'dispatch', dispatch)


def test_dynamodb_throttling_while_storing_a_turn_is_503_with_the_chat_returned(api, started, monkeypatch, caplog):
    before = stored_messages()
    _throttle(monkeypatch, 'TransactWriteItems')
    with caplog.at_level(logging.INFO, logger='mock_interviewer'):
        response = api.post('/api/chat/gpt/', {'user_input': 'an answer that will not be stored'}, token=started)
    monkeypatch.undo()
    assert response.status_code == 503
    assert 'Retry-After' in response.headers
    assert 'Throughput' not in response.body.decode() and 'Exception' not in response.body.decode()
    assert_nothing_happened(api, started, before)
    records = [r for r in caplog.records if r.name == 'mock_interviewer']
    assert any('request ' in r.getMessage() and r.getMessage().split('request ')[1][:36].count('-') == 4
               for r in records), [r.getMessage() for r in records]
    assert started not in caplog.text and PASSWORD not in caplog.text


def test_dynamodb_throttling_while_taking_a_chat_is_503_and_uses_none(api, started, monkeypatch):
    before = stored_messages()
    _throttle(monkeypatch, 'UpdateItem')
    response = api.post('/api/chat/gpt/', {'user_input': 'an answer'}, token=started)
    monkeypatch.undo()
    assert response.status_code == 503
    assert_nothing_happened(api, started, before)


class ConcurrentWriter(ScriptedInterviewer):
    """While the model 'thinks', another request finishes a turn in the same interview."""

    def respond(self, context, answer):
        interview = next(InterviewModel.query(user_named('alice').user_id))
        interview.update(actions=[InterviewModel.next_seq.add(2)])
        return super().respond(context, answer)


def test_conditional_check_failure_mid_turn_is_409_with_the_chat_returned(api, started):
    before = stored_messages()
    with providers.override(interviewer=ConcurrentWriter()):
        response = api.post('/api/chat/gpt/', {'user_input': 'my answer'}, token=started)
    assert response.status_code == 409
    assert '다시 보내' in response.json_body['error']  # a Korean interview
    assert_nothing_happened(api, started, before)


class BrokenS3:
    def head_object(self, **kwargs):
        raise EndpointConnectionError(endpoint_url='https://s3.example')

    def put_object(self, **kwargs):
        raise EndpointConnectionError(endpoint_url='https://s3.example')


def test_s3_failure_degrades_to_a_text_reply_and_keeps_the_turn(api, started):
    with providers.override(synthesizer=FakeSynthesizer(), s3=BrokenS3()):
        response = api.post('/api/chat/gpt/', {'user_input': 'my answer about indexes'}, token=started)
        played = api.play(response.json_body['audio_url'])
    assert response.status_code == 200
    assert played.status_code == 503 and '저장하지 못해' in played.json_body['error']
    assert response.json_body['count'] == 2
    assert any(m.content == 'my answer about indexes' for m in MessageModel.scan())


def test_unreadable_api_key_parameter_is_503_not_500(api, started, monkeypatch):
    monkeypatch.setenv('INTERVIEWER_PROVIDER', 'openai')
    monkeypatch.setenv('OPENAI_API_KEY', '')
    monkeypatch.setenv('OPENAI_API_KEY_PARAMETER', '/mock-interviewer/test/missing-key')
    before = stored_messages()
    response = api.post('/api/chat/gpt/', {'user_input': 'my answer'}, token=started)
    assert response.status_code == 503
    assert 'missing-key' not in response.body.decode()
    assert_nothing_happened(api, started, before)


def test_api_key_is_read_from_parameter_store_once(api, monkeypatch, fake_openai):
    import boto3
    from chalicelib import credentials
    boto3.client('ssm', region_name='us-east-1').put_parameter(
        Name='/mock-interviewer/test/openai-key', Value='sk-from-ssm-not-real', Type='SecureString')
    use_fake_openai(monkeypatch, fake_openai)
    monkeypatch.setenv('OPENAI_API_KEY', '')
    monkeypatch.setenv('OPENAI_API_KEY_PARAMETER', '/mock-interviewer/test/openai-key')
    credentials._from_parameter_store.cache_clear()
    token = api.signup()
    assert api.post('/api/chat/gpt/', {'interview_topic': 'backend'}, token=token).status_code == 200
    assert fake_openai.headers[-1]['authorization'] == 'Bearer sk-from-ssm-not-real'
    assert credentials._from_parameter_store.cache_info().misses == 1

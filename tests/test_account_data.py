"""The user's rights: export everything, delete everything."""
import pytest

from chalicelib import config, providers
from chalicelib.models import (EmailClaimModel, InterviewModel, MessageModel, TokenModel, UsageModel,
                               UsernameModel, UserModel)
from tests.fixtures import PASSWORD, FakeSynthesizer, user_named


@pytest.fixture
def alice_with_data(api):
    token = api.signup('alice')
    with providers.override(synthesizer=FakeSynthesizer()):
        created = api.post('/api/interviews/', {'topic': 'backend', 'language': 'en'}, token=token).json_body
        interview_id = created['interview']['id']
        api.play(created['audio_url'])  # the clips exist once played
        api.play(api.post(f'/api/interviews/{interview_id}/messages/', {'user_input': 'Indexes speed up reads.'},
                          token=token).json_body['audio_url'])
    api.post(f'/api/interviews/{interview_id}/report/', token=token)
    return token, interview_id


def test_export_has_account_sessions_usage_interviews_messages_and_reports(api, alice_with_data):
    token, interview_id = alice_with_data
    body = api.get('/api/user/export/', token=token).json_body
    assert body['account']['username'] == 'alice' and body['account']['email'] == 'alice@example.com'
    assert len(body['sessions']) == 1 and 'token' not in str(body['sessions']).lower().replace('tokens', '')
    assert body['usage'][0]['chats'] == 2
    [interview] = body['interviews']
    assert interview['id'] == interview_id and interview['report']['source'] == 'offline'
    assert [m['content'] for m in interview['messages'] if m['role'] == 'user'] == ['Indexes speed up reads.']
    # A question may mention passwords; what must be absent is any password field, the password and its hash.
    assert not [key for key in _keys(body) if 'password' in key.lower()]
    assert PASSWORD not in str(body) and '$2b$' not in str(body) and token not in str(body)


def _keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def test_export_contains_only_the_callers_data(api, alice_with_data):
    bob = api.signup('bob')
    body = api.get('/api/user/export/', token=bob).json_body
    assert body['interviews'] == [] and body['account']['username'] == 'bob'


def test_delete_with_wrong_password_is_403_and_deletes_nothing(api, alice_with_data):
    token, _ = alice_with_data
    response = api.delete('/api/user/me/', {'password': 'not my password'}, token=token)
    assert response.status_code == 403
    assert UserModel.count() == 1 and InterviewModel.count() == 1 and TokenModel.count() == 1


def test_delete_without_password_is_400(api, alice_with_data):
    token, _ = alice_with_data
    assert api.delete('/api/user/me/', {}, token=token).status_code == 400
    assert UserModel.count() == 1


def test_delete_removes_every_trace_but_leaves_other_users_alone(api, alice_with_data):
    token, interview_id = alice_with_data
    bob = api.signup('bob')
    with providers.override(synthesizer=FakeSynthesizer()):
        api.play(api.post('/api/interviews/', {'topic': 'frontend'}, token=bob).json_body['audio_url'])
    api.post('/api/user/login/', {'username': 'alice', 'password': PASSWORD})  # a second session
    s3, bucket = providers.s3(), config.settings().audio_bucket
    assert len(s3.list_objects_v2(Bucket=bucket).get('Contents', [])) == 3

    response = api.delete('/api/user/me/', {'password': PASSWORD}, token=token)
    assert response.status_code == 200
    bob_id = user_named('bob').user_id
    assert [u.user_id for u in UserModel.scan()] == [bob_id]
    assert [c.email_key for c in EmailClaimModel.scan()] == ['bob@example.com']
    assert [c.username_key for c in UsernameModel.scan()] == ['bob']
    assert {t.user_id for t in TokenModel.scan()} == {bob_id}
    assert {i.user_id for i in InterviewModel.scan()} == {bob_id}
    assert MessageModel.count(interview_id) == 0
    assert {u.user_id for u in UsageModel.scan()} == {bob_id}
    assert len(s3.list_objects_v2(Bucket=bucket).get('Contents', [])) == 1  # bob's clip
    assert api.get('/api/chat/gpt/', token=token).status_code == 401
    assert api.get('/api/chat/gpt/', token=bob).status_code == 200
    # The name and the email are free again.
    assert api.post('/api/user/register/', {'username': 'alice', 'email': 'alice@example.com',
                                            'password': PASSWORD}).status_code == 201

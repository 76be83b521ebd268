"""Security review points, each checked."""
import logging
import urllib.parse

import bcrypt
import pytest

from chalicelib import config, providers
from chalicelib.models import TokenModel
from tests.fixtures import PASSWORD, FakeSynthesizer


def test_tokens_and_passwords_never_reach_the_logs(api, caplog):
    with caplog.at_level(logging.DEBUG):
        token = api.signup()
        api.post('/api/chat/gpt/', {'interview_topic': 'backend'}, token=token)
        api.get('/api/chat/gpt/', token=token)
        api.post('/api/user/login/', {'username': 'alice', 'password': 'a wrong password'})
        api.get('/api/user/logout/', token=token)
    assert caplog.records  # something was logged, and none of it is a secret
    assert token not in caplog.text and PASSWORD not in caplog.text and 'a wrong password' not in caplog.text


def test_tokens_are_stored_only_as_sha256(api):
    token = api.signup()
    [record] = list(TokenModel.scan())
    assert len(record.token_hash) == 64 and token not in str(record.attribute_values)


def test_bcrypt_cost_defaults_to_12_and_follows_configuration(monkeypatch):
    from chalicelib.accounts import hash_password
    monkeypatch.delenv('BCRYPT_ROUNDS')
    assert config.settings().bcrypt_rounds == 12
    assert hash_password('correct horse').startswith('$2b$12$')
    monkeypatch.setenv('BCRYPT_ROUNDS', '5')
    assert hash_password('correct horse').startswith('$2b$05$')


def test_unknown_user_login_costs_the_same_bcrypt_work_as_a_wrong_password(api, monkeypatch):
    api.signup()
    checked = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, 'checkpw', lambda password, hashed: checked.append(hashed[:7]) or real(password, hashed))
    api.post('/api/user/login/', {'username': 'alice', 'password': 'wrong password!'})
    api.post('/api/user/login/', {'username': 'nobody-here', 'password': 'wrong password!'})
    api.post('/api/user/login/', {'username': 'alice', 'password': 'x' * 100})
    assert len(checked) == 3 and len(set(checked)) == 1  # one check each, at the same cost


def test_presigned_audio_urls_expire_after_15_minutes_and_keys_are_unguessable(api):
    with providers.override(synthesizer=FakeSynthesizer()):
        first, second = (api.play(api.post('/api/chat/gpt/', {'interview_topic': 'backend', 'language': 'en'},
                                           token=api.signup(name)).json_body['audio_url']).headers['Location']
                         for name in ('alice', 'bob'))
    query = urllib.parse.parse_qs(urllib.parse.urlparse(first).query)
    assert query['X-Amz-Expires'] == ['900']
    key_a, key_b = (urllib.parse.urlparse(url).path.rsplit('/', 1)[1] for url in (first, second))
    assert len(key_a) == len('0' * 64 + '.mp3') and key_a != key_b  # same text, other user, other key


@pytest.mark.parametrize('path', ['/api/chat/gpt/', '/api/user/me/', '/api/interviews/', '/api/user/export/'])
def test_authenticated_responses_are_not_cached_or_sniffed(api, path):
    response = api.get(path, token=api.signup())
    assert response.status_code == 200
    assert response.headers['Cache-Control'] == 'no-store'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'

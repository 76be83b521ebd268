"""The Conventions section of API.md: JSON errors, bad bodies, methods, sizes, CORS, headers."""
import json

import pytest
from chalice.local import LocalGateway
from chalice.config import Config

from app import app
from chalicelib.models import UserModel


def test_health_needs_no_auth_and_names_providers(api):
    response = api.get('/api/health/')
    assert response.status_code == 200
    assert response.json_body == {'status': 'ok', 'llm': 'offline', 'tts': 'none'}


@pytest.mark.parametrize('raw, word', [
    (b'{not json', 'valid JSON'),
    (b'[1, 2, 3]', 'JSON object'),
    (b'"a string"', 'JSON object'),
    (b'\xff\xfe\x00', 'UTF-8'),
])
def test_body_that_is_not_a_json_object_is_400(api, raw, word):
    response = api.request('POST', '/api/user/register/', raw=raw)
    assert response.status_code == 400
    assert word in response.json_body['error']
    assert UserModel.count() == 0


def test_body_over_64_kib_is_413_and_stores_nothing(api):
    body = {'username': 'alice', 'email': 'alice@example.com', 'password': 'correct horse', 'pad': 'x' * 70000}
    response = api.post('/api/user/register/', body)
    assert response.status_code == 413
    assert 'KiB' in response.json_body['error']
    assert UserModel.count() == 0


def test_non_json_content_type_gets_our_400_not_a_415(api):
    response = api.request('POST', '/api/user/login/', raw=b'username=a&password=b',
                           headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status_code == 400
    assert set(response.json_body) == {'error'}


@pytest.mark.parametrize('method, path', [
    ('GET', '/api/user/register/'), ('DELETE', '/api/user/login/'), ('PUT', '/api/chat/gpt/'),
    ('POST', '/api/health/'), ('PATCH', '/api/user/logout/'),
])
def test_wrong_method_is_405_json_with_cors(api, method, path):
    response = api.request(method, path, body={})
    assert response.status_code == 405
    assert 'not allowed' in response.json_body['error']
    assert response.headers['Access-Control-Allow-Origin'] == 'https://frontend.example'
    assert 'Allow' in response.headers


def test_errors_carry_cors_and_security_headers(api):
    response = api.get('/api/chat/gpt/', headers={'Authorization': 'Token null'})
    assert response.status_code == 401
    assert response.headers['Access-Control-Allow-Origin'] == 'https://frontend.example'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    assert response.headers['Cache-Control'] == 'no-store'
    assert response.headers['Content-Type'].startswith('application/json')


def test_korean_text_round_trips_intact(api):
    token = api.signup()
    response = api.post('/api/chat/gpt/', {'interview_topic': '백엔드 개발자 면접'}, token=token)
    assert response.status_code == 200
    history = api.get('/api/chat/gpt/', token=token).json_body
    assert '백엔드 개발자 면접' in history['conversations'][0]['content']
    assert '백엔드 개발자 면접'.encode('utf-8') in api.get('/api/chat/gpt/', token=token).body


def _gateway():
    return LocalGateway(app, Config(chalice_stage='local'))


@pytest.mark.parametrize('path', ['/api/user/login/', '/api/chat/gpt', '/api/user/logout/'])
def test_cors_preflight_allows_authorization_and_content_type(aws, path):
    response = _gateway().handle_request(
        'OPTIONS', path, {'origin': 'https://frontend.example', 'access-control-request-method': 'POST',
                          'access-control-request-headers': 'authorization,content-type'}, b'')
    assert response['statusCode'] in (200, 204)
    headers = response['headers']
    assert headers['Access-Control-Allow-Origin'] == 'https://frontend.example'
    assert 'Authorization' in headers['Access-Control-Allow-Headers']
    assert 'Content-Type' in headers['Access-Control-Allow-Headers']
    assert 'OPTIONS' in headers['Access-Control-Allow-Methods']


def test_unknown_route_is_not_a_500(aws):
    from chalice.local import ForbiddenError
    with pytest.raises(ForbiddenError):  # API Gateway's own answer for a path it does not know
        _gateway().handle_request('GET', '/api/nothing-here/', {}, b'')


def test_unexpected_failure_is_a_json_500_without_internals(api, monkeypatch):
    from chalicelib import accounts

    def broken(body):
        raise RuntimeError('secret internal detail')
    monkeypatch.setattr(accounts, 'register', broken)
    response = api.post('/api/user/register/', {'username': 'x'})
    assert response.status_code == 500
    assert 'secret' not in response.body.decode() and 'RuntimeError' not in response.body.decode()
    assert json.loads(response.body)['error']


@pytest.mark.parametrize('raw, word', [
    (b'[' * 5000, 'nested'),
    (b'{"username": "prober", "password": "\\ud800abcdefgh"}', 'UTF-8'),
    (b'{"username": "a", "email": "\\udfff@b.co", "password": "correct horse"}', 'UTF-8'),
])
def test_pathological_bodies_are_400_not_500(api, raw, word):
    for path in ('/api/user/register/', '/api/user/login/'):
        response = api.request('POST', path, raw=raw)
        assert response.status_code == 400, path
        assert word in response.json_body['error']
    assert UserModel.count() == 0


def test_unicode_digit_page_size_is_400(api):
    token = api.signup()
    response = api.get('/api/interviews/?limit=%C2%B2', token=token)
    assert response.status_code == 400 and 'limit' in response.json_body['error']

"""Register, login, logout and authentication, as Part 1 of API.md describes them."""
import hashlib
import json

import pytest

from chalicelib.models import EmailClaimModel, TokenModel, UsernameModel, UserModel
from tests.fixtures import PASSWORD, user_named


def register(api, **fields):
    body = {'username': 'alice', 'email': 'alice@example.com', 'password': PASSWORD}
    body.update(fields)
    return api.post('/api/user/register/', {k: v for k, v in body.items() if v is not None})


def test_register_returns_201_and_stores_only_a_bcrypt_hash(api):
    response = register(api, password2=PASSWORD)
    assert response.status_code == 201
    assert response.json_body == {'message': 'User registered successfully.'}
    user = user_named('alice')
    assert user.email == 'alice@example.com' and len(user.user_id) == 32
    assert user.password_hash.startswith('$2b$') and PASSWORD not in user.password_hash
    assert EmailClaimModel.get('alice@example.com').user_id == user.user_id
    assert UsernameModel.get('alice').user_id == user.user_id


def test_register_works_without_trailing_slash(api):
    assert api.post('/api/user/register', {'username': 'bob', 'email': 'b@example.com',
                                            'password': PASSWORD}).status_code == 201


@pytest.mark.parametrize('missing', ['username', 'email', 'password'])
def test_register_without_a_required_field_is_400(api, missing):
    response = register(api, **{missing: None})
    assert response.status_code == 400
    assert response.json_body == {'error': 'Username, password, and email are required.'}
    assert UserModel.count() == 0


def test_register_with_mismatched_passwords_is_400(api):
    response = register(api, password2='something else entirely')
    assert response.status_code == 400
    assert response.json_body == {'error': 'Passwords do not match'}
    assert UserModel.count() == 0


@pytest.mark.parametrize('fields, word', [
    ({'username': 'ab'}, 'username'),
    ({'username': 'a' * 31}, 'username'),
    ({'username': 'bad name!'}, 'username'),
    ({'email': 'not-an-email'}, 'email'),
    ({'email': 'a' * 250 + '@example.com'}, 'email'),
    ({'password': 'short'}, 'password'),
    ({'password': 'x' * 73}, 'password'),
    ({'password': '가' * 25}, 'password'),  # 75 bytes in UTF-8: refused, never truncated
    ({'username': 123}, 'username'),
    ({'password': ['a list']}, 'password'),
])
def test_register_with_invalid_field_is_400_naming_it(api, fields, word):
    response = register(api, **fields)
    assert response.status_code == 400
    assert word in response.json_body['error']
    assert UserModel.count() == 0


def test_password_of_exactly_72_bytes_is_accepted_and_usable(api):
    password = 'interview practice, ' * 3 + 'x' * 12
    assert len(password.encode()) == 72
    assert register(api, password=password).status_code == 201
    assert api.post('/api/user/login/', {'username': 'alice', 'password': password}).status_code == 200
    assert api.post('/api/user/login/', {'username': 'alice', 'password': password[:71]}).status_code == 401


@pytest.mark.parametrize('username, email, error', [
    ('ALICE', 'other@example.com', 'Username already exists.'),
    ('carol', 'Alice@Example.COM', 'Email already exists.'),
])
def test_duplicate_username_or_email_is_409_ignoring_case(api, username, email, error):
    assert register(api).status_code == 201
    response = register(api, username=username, email=email)
    assert response.status_code == 409
    assert response.json_body == {'error': error}
    assert UserModel.count() == 1 and EmailClaimModel.count() == 1


def test_login_returns_capital_t_token_and_expiry(api):
    register(api)
    response = api.post('/api/user/login/', {'username': 'alice', 'password': PASSWORD})
    assert response.status_code == 200
    body = response.json_body
    assert body['message'] == 'User logged in successfully.'
    assert isinstance(body['Token'], str) and len(body['Token']) >= 32
    assert body['expires_at'].endswith('Z')


def test_login_is_case_insensitive_for_the_username(api):
    register(api)
    assert api.post('/api/user/login/', {'username': 'ALICE', 'password': PASSWORD}).status_code == 200


def test_only_a_hash_of_the_token_is_stored(api):
    token = api.signup()
    stored = [t.token_hash for t in TokenModel.scan()]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in json.dumps([t.attribute_values for t in TokenModel.scan()], default=str)


@pytest.mark.parametrize('username, password', [('alice', 'wrong password!'), ('nobody', PASSWORD)])
def test_login_with_wrong_password_or_unknown_user_is_the_same_401(api, username, password):
    register(api)
    response = api.post('/api/user/login/', {'username': username, 'password': password})
    assert response.status_code == 401
    assert response.json_body == {'error': 'Invalid credentials.'}
    assert TokenModel.count() == 0


def test_login_with_overlong_password_is_401_not_500(api):
    register(api)
    response = api.post('/api/user/login/', {'username': 'alice', 'password': 'x' * 100})
    assert response.status_code == 401


@pytest.mark.parametrize('body', [{}, {'username': 'alice'}, {'password': PASSWORD}, {'username': '', 'password': ''}])
def test_login_without_fields_is_400(api, body):
    response = api.post('/api/user/login/', body)
    assert response.status_code == 400
    assert response.json_body == {'error': 'Username and password are required.'}


def test_each_login_issues_a_new_token_and_old_ones_keep_working(api):
    first = api.signup()
    second = api.post('/api/user/login/', {'username': 'alice', 'password': PASSWORD}).json_body['Token']
    assert first != second
    assert api.get('/api/chat/gpt/', token=first).status_code == 200
    assert api.get('/api/chat/gpt/', token=second).status_code == 200


@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_logout_revokes_only_the_token_used(api, method):
    phone = api.signup()
    laptop = api.post('/api/user/login/', {'username': 'alice', 'password': PASSWORD}).json_body['Token']
    response = api.request(method, '/api/user/logout/', token=phone)
    assert response.status_code == 200
    assert response.json_body == {'message': 'User logged out successfully.'}
    assert api.get('/api/chat/gpt/', token=phone).status_code == 401
    assert api.get('/api/chat/gpt/', token=laptop).status_code == 200
    assert api.request(method, '/api/user/logout/', token=phone).status_code == 401


@pytest.mark.parametrize('header', [None, 'Token null', 'Token undefined', 'Token ', 'Token not-a-real-token',
                                    'Basic abc', 'Token a b', 'Token ' + 'x' * 500])
def test_bad_authorization_is_401_on_every_protected_route(api, header):
    headers = {'Authorization': header} if header is not None else {}
    for method, path in [('GET', '/api/chat/gpt/'), ('POST', '/api/chat/gpt/'), ('GET', '/api/user/logout/')]:
        response = api.request(method, path, body={'user_input': 'hi'}, headers=headers)
        assert response.status_code == 401, (method, path)
        assert set(response.json_body) == {'error'}


def test_bearer_scheme_is_accepted(api):
    token = api.signup()
    response = api.get('/api/chat/gpt/', headers={'Authorization': f'Bearer {token}'})
    assert response.status_code == 200


def test_expired_token_is_401_even_before_dynamodb_deletes_it(api):
    from datetime import datetime, timedelta, timezone
    token = api.signup()
    record = TokenModel.get(hashlib.sha256(token.encode()).hexdigest())
    record.update(actions=[TokenModel.expires_at.set(datetime.now(timezone.utc) - timedelta(seconds=1))])
    assert api.get('/api/chat/gpt/', token=token).status_code == 401


def test_token_expiry_defaults_to_seven_days(api):
    from datetime import datetime, timedelta, timezone
    token = api.signup()
    record = TokenModel.get(hashlib.sha256(token.encode()).hexdigest())
    left = record.expires_at - datetime.now(timezone.utc)
    assert timedelta(days=6, hours=23) < left <= timedelta(days=7)

"""Abuse limits: failed logins, sign-ups per address, and the service-wide model ceiling."""
import json
import pytest

from chalicelib.models import CounterModel, TokenModel, UserModel
from tests.fixtures import PASSWORD
from tests.fixtures import use_fake_openai


def login(api, username='alice', password='wrong password!'):
    return api.post('/api/user/login/', {'username': username, 'password': password})


def test_five_failed_logins_lock_the_username_from_that_address_for_a_while(api):
    api.signup('alice')
    assert [login(api).status_code for _ in range(5)] == [401] * 5
    locked = login(api, password=PASSWORD)  # from this address even the right password waits
    assert locked.status_code == 429
    assert 'Too many failed logins' in locked.json_body['error']
    assert 0 < int(locked.headers['Retry-After']) <= 1800  # at most two windows
    assert TokenModel.count() == 1  # only the token from signing up


def test_failed_logins_of_unknown_users_are_counted_too(api):
    for _ in range(5):
        login(api, username='ghost')
    assert login(api, username='ghost').status_code == 429


def test_one_users_failures_do_not_lock_another_username(api):
    api.signup('alice')
    api.signup('bob')
    for _ in range(5):
        login(api, 'alice')
    assert login(api, 'bob', PASSWORD).status_code == 200


def test_failures_from_one_address_are_limited_across_usernames(api, monkeypatch):
    monkeypatch.setenv('LOGIN_FAILURE_LIMIT', '2')  # per address: four times the per-user limit
    api.signup('alice')
    statuses = [login(api, f'user{i}').status_code for i in range(9)]
    assert statuses[:8] == [401] * 8 and statuses[8] == 429
    assert login(api, 'alice', PASSWORD).status_code == 429


def test_signups_per_address_are_limited(api, monkeypatch):
    monkeypatch.setenv('REGISTRATION_LIMIT_PER_IP', '3')
    statuses = [api.post('/api/user/register/', {'username': f'user{i}', 'email': f'u{i}@example.com',
                                                 'password': PASSWORD}).status_code for i in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert UserModel.count() == 3


def test_invalid_signups_do_not_use_up_the_allowance(api, monkeypatch):
    monkeypatch.setenv('REGISTRATION_LIMIT_PER_IP', '1')
    assert api.post('/api/user/register/', {'username': 'x', 'email': 'bad', 'password': PASSWORD}).status_code == 400
    assert api.post('/api/user/register/', {'username': 'alice', 'email': 'a@example.com',
                                            'password': PASSWORD}).status_code == 201


def test_counters_expire_by_ttl(api):
    for _ in range(2):
        login(api, 'ghost')
    counters = list(CounterModel.scan())
    assert counters and all(c.expires_at is not None for c in counters)


@pytest.fixture
def model_ceiling(api, fake_openai, monkeypatch):
    use_fake_openai(monkeypatch, fake_openai, MODEL_CALLS_PER_DAY='2')
    fake_openai.reply = json.dumps({'reply': '안녕하세요. 최근에 맡았던 프로젝트를 소개해 주시겠어요?', 'notes': 'n'})
    return fake_openai


def test_model_ceiling_rejects_with_503_and_gives_the_chat_back(api, model_ceiling):
    token = api.signup()
    assert api.post('/api/chat/gpt/', {'interview_topic': 'backend'}, token=token).status_code == 200
    assert api.post('/api/chat/gpt/', {'user_input': 'an answer'}, token=token).status_code == 200
    calls = len(model_ceiling.requests)
    refused = api.post('/api/chat/gpt/', {'user_input': 'another answer'}, token=token)
    assert refused.status_code == 503
    assert '호출 한도' in refused.json_body['error']  # a Korean interview hears it in Korean
    assert len(model_ceiling.requests) == calls  # the model was not called
    assert api.get('/api/chat/gpt/', token=token).json_body['count'] == 2


def test_model_ceiling_counts_every_user(api, model_ceiling):
    for name in ('alice', 'bob'):
        token = api.signup(name)
        assert api.post('/api/chat/gpt/', {'interview_topic': 'backend'}, token=token).status_code == 200
    carol = api.signup('carol')
    assert api.post('/api/chat/gpt/', {'interview_topic': 'backend'}, token=carol).status_code == 503


def test_model_ceiling_can_fall_back_to_the_offline_interviewer(api, model_ceiling, monkeypatch):
    monkeypatch.setenv('MODEL_CEILING_ACTION', 'offline')
    monkeypatch.setenv('MODEL_CALLS_PER_DAY', '1')
    model_ceiling.reply = 'Tell me about a project you are proud of?'
    token = api.signup()
    first = api.post('/api/interviews/', {'topic': 'backend', 'language': 'en'}, token=token)
    assert first.json_body['response'] == model_ceiling.reply
    second = api.post(f"/api/interviews/{first.json_body['interview']['id']}/messages/",
                      {'user_input': 'I would add an index and measure the query plan.'}, token=token)
    assert second.status_code == 200
    assert second.json_body['response'] != model_ceiling.reply  # the offline interviewer answered
    assert second.json_body['response'].endswith('?') or second.json_body['response'].endswith('.')
    assert len(model_ceiling.requests) == 1


def test_offline_stand_in_after_the_ceiling_does_not_ask_again_what_the_model_asked(api, model_ceiling, monkeypatch):
    from chalicelib.interviewers.bank import topics
    monkeypatch.setenv('MODEL_CEILING_ACTION', 'offline')
    monkeypatch.setenv('MODEL_CALLS_PER_DAY', '2')
    bank = topics()['backend']['questions']
    model_ceiling.queue = [json.dumps({'reply': f'Welcome. {bank[0]["en"]}', 'notes': 'opening'}),
                           json.dumps({'reply': f'I see. {bank[1]["en"]}', 'notes': 'n'})]
    token = api.signup()
    interview = api.post('/api/interviews/', {'topic': 'backend', 'language': 'en'}, token=token).json_body
    path = f"/api/interviews/{interview['interview']['id']}/messages/"
    spoken = [interview['response']]
    for _ in range(4):
        body = api.post(path, {'user_input': 'I would add an index on the filtered column and then check '
                                              'the query plan, because a full scan grows with the table.'},
                        token=token).json_body
        spoken.append(body['response'])
    assert len(model_ceiling.requests) == 2  # then the offline interviewer took over
    asked_by_model = [bank[0]['en'], bank[1]['en']]
    assert all(question not in reply for reply in spoken[2:] for question in asked_by_model)


def test_a_report_after_the_ceiling_says_the_budget_ran_out_not_that_the_model_failed(api, model_ceiling,
                                                                                      monkeypatch):
    from chalicelib.interviewers import prompts
    monkeypatch.setenv('MODEL_CEILING_ACTION', 'offline')
    monkeypatch.setenv('MODEL_CALLS_PER_DAY', '1')
    model_ceiling.reply = 'Tell me about a project you are proud of?'
    token = api.signup()
    interview_id = api.post('/api/interviews/', {'topic': 'backend', 'language': 'en'}, token=token
                            ).json_body['interview']['id']
    api.post(f'/api/interviews/{interview_id}/messages/', {'user_input': 'I built a payments API in Go.'},
             token=token)
    report = api.post(f'/api/interviews/{interview_id}/report/', token=token)
    assert report.status_code == 201 and report.json_body['source'] == 'offline'
    assert report.json_body['fallback_reason'] == prompts.REPORT_FALLBACK_REASON['en']['no_budget']
    assert len(model_ceiling.requests) == 1  # no call was made for the report

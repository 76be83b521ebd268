"""The operator command that sets a user's daily limit."""
from scripts import admin


def test_set_limit_changes_the_users_limit_and_default_restores_it(api, capsys, monkeypatch):
    monkeypatch.setattr(admin, 'stage_environment', lambda stage: {})
    token = api.signup()
    assert admin.main(['--stage', 'test', 'set-limit', 'alice', '20']) == 0
    assert 'limit 20 a day (per-user)' in capsys.readouterr().out
    assert api.get('/api/chat/gpt/', token=token).json_body['limit'] == 20
    assert admin.main(['--stage', 'test', 'set-limit', 'ALICE', 'default']) == 0
    assert api.get('/api/chat/gpt/', token=token).json_body['limit'] == 6


def test_set_limit_for_unknown_user_or_bad_number_fails_clearly(api, capsys, monkeypatch):
    monkeypatch.setattr(admin, 'stage_environment', lambda stage: {})
    api.signup()
    assert admin.main(['--stage', 'test', 'set-limit', 'nobody', '3']) == 1
    assert "No user named 'nobody'" in capsys.readouterr().err
    assert admin.main(['--stage', 'test', 'set-limit', 'alice', '-2']) == 1
    assert admin.main(['--stage', 'test', 'set-limit', 'alice', 'lots']) == 1
    assert api.get('/api/chat/gpt/', token=api.post('/api/user/login/', {
        'username': 'alice', 'password': 'correct horse battery'}).json_body['Token']).json_body['limit'] == 6

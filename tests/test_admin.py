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


def test_finish_deletions_removes_what_a_half_done_deletion_left(api, capsys, monkeypatch):
    from chalicelib import providers
    from chalicelib.models import InterviewModel, UserModel
    from tests.fixtures import PASSWORD
    from tests.test_trust import S3ThatKeepsSomeKeys
    from tests.fixtures import FakeSynthesizer
    monkeypatch.setattr(admin, 'stage_environment', lambda stage: {})
    monkeypatch.setattr('chalicelib.s3_objects.time.sleep', lambda seconds: None)
    token = api.signup()
    with providers.override(synthesizer=FakeSynthesizer()):
        api.play(api.post('/api/interviews/', {'topic': 'backend'}, token=token).json_body['audio_url'])
        with providers.override(s3=S3ThatKeepsSomeKeys(providers.s3())):
            assert api.delete('/api/user/me/', {'password': PASSWORD}, token=token).status_code == 503
    assert InterviewModel.count() == 1
    assert admin.main(['--stage', 'test', 'finish-deletions']) == 0
    assert 'finished 1 account deletion(s)' in capsys.readouterr().out
    assert UserModel.count() == 0 and InterviewModel.count() == 0

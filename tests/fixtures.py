"""Shared fixtures and small real fakes for the route tests."""
import json
from pathlib import Path
from typing import Optional

import pytest
from chalice.test import Client

from app import app
from chalicelib import providers

PASSWORD = 'correct horse battery'
ROOT = Path(__file__).resolve().parent.parent


class FakeSynthesizer:
    """A synthesizer with the real interface: returns MP3-looking bytes, or fails when told to."""
    name = 'fake'

    def __init__(self, fail_with: Optional[Exception] = None):
        self.fail_with = fail_with
        self.calls = []

    def voice(self, language: str) -> str:
        return f'fake-{language}'

    def synthesize(self, text: str, language: str) -> bytes:
        self.calls.append((text, language))
        if self.fail_with is not None:
            raise self.fail_with
        return b'ID3\x04\x00' + text.encode('utf-8')


class ApiClient:
    """chalice.test.Client with JSON and auth conveniences."""

    def __init__(self, client: Client):
        self.client = client

    def request(self, method: str, path: str, body=None, token: Optional[str] = None,
                headers: Optional[dict] = None, raw: Optional[bytes] = None):
        all_headers = {'Content-Type': 'application/json'}
        if token is not None:
            all_headers['Authorization'] = f'Token {token}'
        all_headers.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b'')
        return self.client.http.request(method, path, headers=all_headers, body=payload)

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.request('POST', path, body=body, **kw)

    def delete(self, path, body=None, **kw):
        return self.request('DELETE', path, body=body, **kw)

    def play(self, audio_url: str):
        """Fetches an audio_url the way an audio element does (no token): the first fetch
        synthesizes the clip; the answer is a 302 to the presigned S3 URL."""
        from urllib.parse import urlsplit
        parts = urlsplit(audio_url)
        return self.client.http.request('GET', f'{parts.path}?{parts.query}', headers={}, body=b'')

    def signup(self, username: str = 'alice', password: str = PASSWORD, email: Optional[str] = None) -> str:
        """Registers and logs in; returns the token."""
        email = email or f'{username}@example.com'
        created = self.post('/api/user/register/', {'username': username, 'email': email,
                                                    'password': password, 'password2': password})
        assert created.status_code == 201, created.body
        logged_in = self.post('/api/user/login/', {'username': username, 'password': password})
        assert logged_in.status_code == 200, logged_in.body
        return logged_in.json_body['Token']


def user_named(username: str):
    """The stored account of `username` (looked up as the login does), or None."""
    from chalicelib.accounts import find_user
    return find_user(username)


@pytest.fixture
def api(aws):
    # A stage with no settings in .chalice/config.json: the environment conftest.py set is the
    # configuration (chalice's default, "dev", would apply the deployed stage's variables).
    with Client(app, stage_name='unit-tests', project_dir=str(ROOT)) as client:
        yield ApiClient(client)


@pytest.fixture
def fake_openai():
    """A fake OpenAI-compatible server on loopback; see tests/fake_openai.py."""
    from tests.fake_openai import FakeOpenAI
    server = FakeOpenAI().start()
    yield server
    server.stop()


def use_fake_openai(monkeypatch, server, **extra):
    """Configure the app (as its environment would) to interview through the fake server."""
    monkeypatch.setenv('INTERVIEWER_PROVIDER', 'openai')
    monkeypatch.setenv('OPENAI_API_KEY', 'sk-test-not-real')
    monkeypatch.setenv('OPENAI_BASE_URL', server.base_url)
    monkeypatch.setenv('OPENAI_MAX_RETRIES', '0')
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def speech():
    """A fake synthesizer serving every request of the test."""
    fake = FakeSynthesizer()
    with providers.override(synthesizer=fake):
        yield fake


class ScriptedInterviewer:
    """An interviewer with the real interface that answers from a script, or fails when told to."""
    name = 'scripted'

    def __init__(self, fail_with: Optional[Exception] = None, finish_after: int = 100):
        self.fail_with = fail_with
        self.finish_after = finish_after
        self.contexts = []

    def _reply(self, context, text):
        from chalicelib.interviewers.base import InterviewerReply
        self.contexts.append(context)
        if self.fail_with is not None:
            raise self.fail_with
        answered = int(context.state.get('answered', -1)) + 1
        return InterviewerReply(text=text, state={'answered': answered},
                                finished=answered >= self.finish_after)

    def open(self, context):
        return self._reply(context, f'Question 1 about {context.topic or "anything"}?')

    def respond(self, context, answer):
        return self._reply(context, f'Noted "{answer[:20]}". Question {len(context.history) // 2 + 2}?')

    def report(self, context):
        from chalicelib.interviewers.offline import OfflineInterviewer
        if self.fail_with is not None:
            raise self.fail_with
        return OfflineInterviewer().report(context)

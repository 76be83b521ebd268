"""Browser tests: the real local stack, served as `make run` serves it, driven by headless
Chromium through Playwright's sync API.

Fixtures (every test in this folder is also marked `browser`):
- `web_stack` (session): DynamoDB Local (in memory), moto's S3, `chalice local` with the
  offline interviewer, and the web app on free ports. `.web_url`, `.api_url`,
  `.settings` (the API's environment for the run), `.api(method, path, body=None,
  token=None, headers=None) -> (status, json)` and `.new_user(login=True) -> User`.
- `browser` (session): Debian's Chromium, headless. Missing: a failure under CI=true,
  a skip elsewhere.
- `browser_context_args`: keyword arguments of each test's new context (desktop viewport,
  base_url = the web app); override it in a test module to change them.
- `page`: a page in a fresh context, so `page.goto('/')` opens the web app.
- `console_errors`: the page's console errors and uncaught exceptions, as strings.
- `screenshot(name)`: full-page PNGs at desktop and phone widths in artifacts/screenshots/.
A failed test leaves artifacts/screenshots/FAILED-<test>.png.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scripts.local_stack import ROOT, ChaliceLocal, DynamoDBLocal, S3Local, WebServer

HERE = Path(__file__).resolve().parent
SCREENSHOT_DIR = ROOT / 'artifacts' / 'screenshots'
CHROMIUM = '/usr/bin/chromium'
# Without the background-networking flags Chromium keeps dialling out, and this machine's
# closed network refuses it; --no-sandbox because tests run as root.
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
DESKTOP = {'width': 1280, 'height': 800}
PHONE = {'width': 390, 'height': 844}
DEFAULT_TIMEOUT_MS = 15_000
PASSWORD = 'correct horse battery staple'

# The API's environment for browser tests. Every request reaches chalice local from
# 127.0.0.1, so the per-address limits are raised; the daily limit is low enough to reach.
STACK_SETTINGS = {
    'INTERVIEWER_PROVIDER': 'offline', 'OPENAI_API_KEY': '', 'OPENAI_API_KEY_PARAMETER': '',
    'BCRYPT_ROUNDS': '4', 'DAILY_CHAT_LIMIT': '8',
    'REGISTRATION_LIMIT_PER_IP': '10000', 'LOGIN_FAILURE_LIMIT': '25',
    'CORS_ALLOW_ORIGIN': '*',
}


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f'rep_{report.when}', report)


def _in_ci() -> bool:
    return os.environ.get('CI', '').strip().lower() in ('true', '1', 'yes')


def _skip_or_fail(reason: str):
    # CI must run these tests, so a missing browser there is a failure, not a quiet skip.
    if _in_ci():
        pytest.fail(f'{reason} (CI=true: browser tests must run)', pytrace=False)
    pytest.skip(reason)


@dataclass
class User:
    username: str
    email: str
    password: str
    token: str | None = None


@dataclass
class WebStack:
    web_url: str
    api_url: str
    settings: dict = field(default_factory=dict)

    def api(self, method: str, path: str, body=None, token: str | None = None,
            headers: dict | None = None) -> tuple[int, dict | None]:
        """One request to the API, as a test's setup would send it; (status, JSON body or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api_url + path, data=data, method=method)
        if data is not None:
            request.add_header('Content-Type', 'application/json')
        if token:
            request.add_header('Authorization', f'Token {token}')
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None

    def new_user(self, login: bool = True) -> User:
        """A freshly registered account (logged in through the API unless login=False)."""
        name = 'u' + uuid.uuid4().hex[:12]
        user = User(username=name, email=f'{name}@example.com', password=PASSWORD)
        status, body = self.api('POST', '/api/user/register/',
                                {'username': user.username, 'email': user.email,
                                 'password': user.password})
        assert status == 201, f'register {user.username}: {status} {body}'
        if login:
            status, body = self.api('POST', '/api/user/login/',
                                    {'username': user.username, 'password': user.password})
            assert status == 200, f'login {user.username}: {status} {body}'
            user.token = body['Token']
        return user


def _speech_setting() -> str:
    return 'espeak' if shutil.which('espeak-ng') and shutil.which('lame') else 'none'


def _bootstrap(environment: dict) -> None:
    result = subprocess.run(
        [sys.executable, '-c', 'from scripts.bootstrap import ensure_resources; ensure_resources()'],
        cwd=ROOT, env={**os.environ, **environment}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f'creating the tables and bucket failed:\n{result.stdout}{result.stderr}')


@pytest.fixture(scope='session')
def web_stack():
    """The whole local service on free ports, its own in-memory DynamoDB Local included."""
    with contextlib.ExitStack() as stack:
        dynamodb = stack.enter_context(DynamoDBLocal())
        s3 = stack.enter_context(S3Local())
        environment = {
            **STACK_SETTINGS, 'SPEECH_PROVIDER': _speech_setting(),
            'AWS_ENDPOINT_URL_DYNAMODB': dynamodb.endpoint, 'AWS_ENDPOINT_URL_S3': s3.endpoint,
            'AWS_ACCESS_KEY_ID': 'local', 'AWS_SECRET_ACCESS_KEY': 'local',
            'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_REGION': 'us-east-1',
        }
        _bootstrap(environment)
        api = stack.enter_context(ChaliceLocal(environment, log_name='chalice-browser'))
        web = stack.enter_context(WebServer(api.endpoint, log_name='web-browser'))
        yield WebStack(web_url=web.endpoint, api_url=api.endpoint, settings=environment)


@pytest.fixture(scope='session')
def browser():
    if not os.path.exists(CHROMIUM):
        _skip_or_fail(f'{CHROMIUM} not found: install Debian Chromium '
                      '(apt-get install chromium fonts-noto-cjk), as .ci/run does')
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail('the playwright package is not installed: run `make install`')
    with sync_playwright() as playwright:
        # Debian's Chromium, never Playwright's download (there is no network for it).
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def browser_context_args(web_stack) -> dict:
    return {'viewport': dict(DESKTOP), 'base_url': web_stack.web_url}


@pytest.fixture
def console_errors() -> list:
    """Filled by `page`: console.error lines and uncaught exceptions, in order."""
    return []


@pytest.fixture
def page(request, browser, browser_context_args, console_errors):
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()

    def on_console(message) -> None:
        if message.type == 'error':
            console_errors.append(f'console.error: {message.text} ({message.location.get("url", "")})')

    page.on('console', on_console)
    page.on('pageerror', lambda error: console_errors.append(f'uncaught: {error}'))
    yield page
    report = getattr(request.node, 'rep_call', None)
    if report is not None and report.failed:
        with contextlib.suppress(Exception):
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT_DIR / f'FAILED-{_file_name(request.node.name)}.png'),
                            full_page=True)
    context.close()


def _file_name(name: str) -> str:
    return re.sub(r'[^A-Za-z0-9._-]+', '-', name).strip('-') or 'page'


def _settle(page) -> None:
    # Web fonts loaded and two frames drawn, so the picture shows the new layout.
    page.evaluate('async () => { await document.fonts.ready;'
                  ' await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); }')


@pytest.fixture
def screenshot(page):
    """screenshot(name, full_page=True) -> [desktop path, phone path]; the viewport is restored."""
    def take(name: str, full_page: bool = True) -> list[Path]:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size
        paths = []
        for label, size in (('desktop', DESKTOP), ('phone', PHONE)):
            page.set_viewport_size(size)
            _settle(page)
            path = SCREENSHOT_DIR / f'{_file_name(name)}-{label}.png'
            page.screenshot(path=str(path), full_page=full_page, animations='disabled')
            paths.append(path)
        if original:
            page.set_viewport_size(original)
            _settle(page)
        return paths
    return take

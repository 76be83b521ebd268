"""The web server and the stack under the browser tests: files served with the types
browsers require, config.js pointing at the API, CORS letting the page call the API."""
import urllib.error
import urllib.request

import pytest

from scripts.local_stack import ROOT, WebServer

WEB_INDEX = ROOT / 'web' / 'index.html'
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, method: str = 'GET', headers: dict | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with _NO_PROXY.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def site(tmp_path):
    """The web server on a made-up site, so these checks do not depend on web/'s progress."""
    files = {
        'index.html': '<!doctype html><title>t</title><script type="module" src="app.js"></script>',
        'app.js': "import { API_BASE_URL } from './config.js';",
        'config.js': "// settings\nexport const API_BASE_URL = 'http://127.0.0.1:8000';\n"
                     "export const APP_NAME = 'mock';\n",
        'style.css': 'body { margin: 0 }',
        'icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
        'data.json': '{}',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / 'empty').mkdir()
    with WebServer('http://127.0.0.1:9999', web_dir=tmp_path, log_name='web-smoke') as server:
        yield server


@pytest.mark.parametrize('path, content_type', [
    ('/', 'text/html'), ('/index.html', 'text/html'), ('/app.js', 'text/javascript'),
    ('/style.css', 'text/css'), ('/icon.svg', 'image/svg+xml'), ('/data.json', 'application/json'),
])
def test_files_are_served_with_their_type_and_never_cached(site, path, content_type):
    status, headers, _ = fetch(site.endpoint + path)
    assert status == 200
    assert headers['Content-Type'].split(';')[0] == content_type
    assert headers['Cache-Control'] == 'no-store'


def test_config_js_points_at_the_given_api_and_keeps_the_other_settings(site):
    status, headers, body = fetch(site.endpoint + '/config.js')
    assert status == 200
    assert headers['Content-Type'].split(';')[0] == 'text/javascript'
    assert headers['Cache-Control'] == 'no-store'
    text = body.decode()
    assert "export const API_BASE_URL = 'http://127.0.0.1:9999';" in text
    assert '8000' not in text
    assert "export const APP_NAME = 'mock';" in text


def test_a_folder_is_not_listed_and_nothing_outside_the_site_is_served(site):
    assert fetch(site.endpoint + '/empty/')[0] == 404
    assert fetch(site.endpoint + '/missing.js')[0] == 404
    status, _, body = fetch(site.endpoint + '/../../README.md')
    assert status == 404 and b'Mock Interviewer' not in body


def test_the_stacks_web_app_points_at_the_stacks_api(web_stack):
    status, _, body = fetch(web_stack.web_url + '/config.js')
    assert status == 200
    assert f"export const API_BASE_URL = '{web_stack.api_url}';" in body.decode()
    if WEB_INDEX.exists():
        status, headers, _ = fetch(web_stack.web_url + '/')
        assert status == 200 and headers['Content-Type'].startswith('text/html')


def test_the_api_answers_the_preflight_of_a_page_on_the_web_port(web_stack):
    status, headers, _ = fetch(web_stack.api_url + '/api/interviews/', method='OPTIONS', headers={
        'Origin': web_stack.web_url, 'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key'})
    assert 200 <= status < 300
    assert headers['Access-Control-Allow-Origin'] in ('*', web_stack.web_url)
    allowed = {name.strip().lower() for name in headers['Access-Control-Allow-Headers'].split(',')}
    assert {'authorization', 'content-type', 'idempotency-key'} <= allowed
    assert 'POST' in headers['Access-Control-Allow-Methods']


def test_a_page_on_the_web_port_can_call_the_api_with_credentials_headers(page, web_stack):
    user = web_stack.new_user()
    page.goto('/config.js')  # any page of the web origin; works before web/ has an index
    result = page.evaluate('''async ([api, token]) => {
        const health = await fetch(api + '/api/health/');
        const created = await fetch(api + '/api/interviews/', {
            method: 'POST',
            headers: {'Authorization': 'Token ' + token, 'Content-Type': 'application/json',
                      'Idempotency-Key': crypto.randomUUID()},
            body: JSON.stringify({topic: 'backend', language: 'en'})});
        const refused = await fetch(api + '/api/user/me/', {headers: {'Authorization': 'Token nope'}});
        return {health: health.status, created: created.status, body: await created.json(),
                refused: refused.status};
    }''', [web_stack.api_url, user.token])
    assert result['health'] == 200
    assert result['created'] == 201, result['body']
    assert result['body']['response']
    assert result['refused'] == 401  # an error's status is readable too: CORS headers on errors


def test_the_web_app_loads_without_console_errors(page, console_errors, screenshot):
    if not WEB_INDEX.exists():
        pytest.skip('web/index.html does not exist yet')
    page.goto('/')
    page.wait_for_load_state('networkidle')
    screenshot('smoke-home')
    assert console_errors == [], '\n'.join(console_errors)

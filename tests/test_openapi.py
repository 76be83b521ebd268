"""docs/openapi.json is the API as the app really serves it: the same routes and methods, the
same path parameters, the same bounds as the code, and errors in the one `{"error"}` shape.

`make fuzz` (scripts/fuzz.py) checks the document against a running server; these tests keep
it in step with the code without one."""
import json
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice.test import Client

from app import api as app_api  # the Api of app.py: path -> {method: handler}
from app import app
from chalicelib import (accounts, audio, audio_links, billing, idempotency, interview_messages, interviews, providers,
                        quota)
from chalicelib.errors import BadRequest
from chalicelib.interviewers.base import LANGUAGES
from chalicelib.models import InterviewModel
from chalicelib.speech import SpeechFailed
from tests.fixtures import PASSWORD, ApiClient, FakeSynthesizer, use_fake_openai, user_named

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_PATH = ROOT / 'docs' / 'openapi.json'
HTTP_METHODS = {'get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'}
ERROR_STATUSES = {'400', '401', '403', '404', '405', '409', '410', '413', '422', '429', '503'}
CHAT_OPERATIONS = [('/api/chat/gpt', 'post', '200'), ('/api/interviews', 'post', '201'),
                   ('/api/interviews/{interview_id}/messages', 'post', '200')]
AUDIO = '/api/audio/{interview_id}/{seq}'  # where a reply's audio_url leads: a 302, no token


@pytest.fixture(scope='module')
def document() -> dict:
    return json.loads(DOCUMENT_PATH.read_text(encoding='utf-8'))


@pytest.fixture
def local_api(aws):
    """The app with the `local` stage's settings, as `make run` and `make fuzz` serve it (moto behind)."""
    with Client(app, stage_name='local', project_dir=str(ROOT)) as client:
        yield ApiClient(client)


def resolve(document: dict, item: dict) -> dict:
    """Follows local `$ref`s (`#/components/...`) until a real object."""
    while isinstance(item, dict) and '$ref' in item:
        node = document
        for part in item['$ref'].lstrip('#/').split('/'):
            node = node[part]
        item = node
    return item


def documented_operations(document: dict) -> set:
    return {(path, method.upper()) for path, item in document['paths'].items()
            for method in item if method in HTTP_METHODS}


def served_operations() -> set:
    """What the app answers other than with 405 (and the OPTIONS preflight every path has)."""
    return {(path, method) for path, handlers in app_api._handlers.items() for method in handlers}


def operations(document: dict):
    for path, item in document['paths'].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def path_parameters(document: dict, path: str, operation: dict) -> list:
    shared = document['paths'][path].get('parameters', [])
    merged = [resolve(document, p) for p in shared + operation.get('parameters', [])]
    return [p for p in merged if p['in'] == 'path']


def property_schema(document: dict, schema_name: str, field: str) -> dict:
    return resolve(document, document['components']['schemas'][schema_name]['properties'][field])


# -- the document itself -------------------------------------------------------------------------
def test_document_is_a_valid_openapi_3_0_document(document):
    from openapi_spec_validator import OpenAPIV30SpecValidator
    assert document['openapi'] == '3.0.3'
    errors = [error.message for error in OpenAPIV30SpecValidator(document).iter_errors()]
    assert errors == []


def test_schemathesis_loads_every_documented_operation(document):
    schemathesis = pytest.importorskip('schemathesis')
    loaded = [result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()]
    assert {(op.path, op.method.upper()) for op in loaded} == documented_operations(document)


def test_info_says_a_trailing_slash_is_accepted_too(document):
    assert 'trailing slash' in document['info']['description']


# -- the same routes as the app ------------------------------------------------------------------
def test_every_route_of_the_app_is_documented(document):
    missing = served_operations() - documented_operations(document)
    assert not missing, f'served by app.py but missing from docs/openapi.json: {sorted(missing)}'


def test_every_documented_operation_is_served_by_the_app(document):
    extra = documented_operations(document) - served_operations()
    assert not extra, f'in docs/openapi.json but not served by app.py (it would answer 405): {sorted(extra)}'


def test_paths_are_written_as_the_app_registers_them(document):
    for path in document['paths']:
        assert path.startswith('/api/') and not path.endswith('/'), path
        assert path in app_api._handlers, path


def test_options_and_405_methods_are_not_documented_as_operations(document):
    for path, method, _ in operations(document):
        assert method != 'options', path


def test_path_parameters_match_each_path_template(document):
    for path, method, operation in operations(document):
        in_template = re.findall(r'{([^}/]+)}', path)
        declared = path_parameters(document, path, operation)
        assert sorted(p['name'] for p in declared) == sorted(in_template), (method, path)
        assert all(p.get('required') is True for p in declared), (method, path)


def test_every_operation_has_a_unique_operation_id(document):
    ids = [operation['operationId'] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))


# -- responses -----------------------------------------------------------------------------------
def test_every_error_response_is_the_error_object(document):
    error_schema = document['components']['schemas']['Error']
    assert error_schema['required'] == ['error']
    assert error_schema['properties']['error']['type'] == 'string'
    for path, method, operation in operations(document):
        for status, response in operation['responses'].items():
            if status.startswith(('4', '5')):
                assert status in ERROR_STATUSES, (method, path, status)
                schema = resolve(document, response)['content']['application/json']['schema']
                assert schema == {'$ref': '#/components/schemas/Error'}, (method, path, status)


def test_no_operation_documents_an_internal_server_error(document):
    for path, method, operation in operations(document):
        assert '500' not in operation['responses'] and 'default' not in operation['responses'], (method, path)


def test_every_success_response_has_a_json_schema(document):
    for path, method, operation in operations(document):
        successes = [s for s in operation['responses'] if s.startswith('2')]
        assert successes or path == AUDIO, (method, path)
        for status in successes:
            assert 'schema' in resolve(document, operation['responses'][status])['content']['application/json']


def test_the_one_redirect_is_the_audio_link_with_a_location_and_no_body(document):
    redirects = [(path, method, status) for path, method, operation in operations(document)
                 for status in operation['responses'] if status.startswith('3')]
    assert redirects == [(AUDIO, 'get', '302')]
    found = document['paths'][AUDIO]['get']['responses']['302']
    assert 'content' not in found
    location = resolve(document, found['headers']['Location'])
    assert location['required'] is True and location['schema'] == {'type': 'string', 'format': 'uri'}
    assert set(document['paths'][AUDIO]['get']['responses']) == {'302', '400', '404', '410', '503'}
    assert resolve(document, document['paths'][AUDIO]['get']['responses']['503']['headers']['Retry-After'])[
        'required'] is True


def test_every_429_carries_retry_after(document):
    for path, method, operation in operations(document):
        if '429' in operation['responses']:
            headers = resolve(document, operation['responses']['429']).get('headers', {})
            assert resolve(document, headers.get('Retry-After', {})).get('required') is True, (method, path)


@pytest.mark.parametrize('path, method, status', CHAT_OPERATIONS)
def test_chat_responses_carry_the_rate_limit_headers(document, path, method, status):
    operation = document['paths'][path][method]
    headers = resolve(document, operation['responses'][status])['headers']
    for name in ('X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'):
        assert resolve(document, headers[name])['required'] is True, (status, name)
    # The daily chat limit's 429 carries them, the model-call allowance's 429 only Retry-After.
    refused = resolve(document, operation['responses']['429'])
    for name in ('X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'):
        assert resolve(document, refused['headers'][name])['required'] is False, name
    assert quota.LIMIT_REACHED in refused['description'] and billing.USER_BUDGET_USED in refused['description']


def test_idempotency_key_is_documented_on_exactly_the_posts_that_cost_a_chat(document):
    with_key = set()
    for path, method, operation in operations(document):
        shared = document['paths'][path].get('parameters', [])
        names = [resolve(document, p)['name'] for p in shared + operation.get('parameters', [])
                 if resolve(document, p)['in'] == 'header']
        if idempotency.HEADER in names:
            with_key.add((path, method))
            assert {'400', '409', '422'} <= set(operation['responses']), (method, path)
            assert resolve(document, operation['responses']['422'])['description'].startswith(
                f'"{idempotency.REUSED}"')
        else:
            assert '422' not in operation['responses'], (method, path)
    assert with_key == {(path, method) for path, method, _ in CHAT_OPERATIONS}


def test_idempotency_key_bounds_are_the_apps(document):
    parameter = document['components']['parameters']['IdempotencyKey']
    schema = parameter['schema']
    assert (parameter['in'], parameter['required'], schema['minLength'], schema['maxLength']) == (
        'header', False, 1, 255)
    assert idempotency.checked_key('k' * schema['maxLength']) == 'k' * schema['maxLength']
    for refused in ('k' * (schema['maxLength'] + 1), '', ' ', 'caf\u00e9', 'a\tb'):
        with pytest.raises(BadRequest):
            idempotency.checked_key(refused)
        assert not re.fullmatch(schema['pattern'], refused) or len(refused) > schema['maxLength'], refused
    assert re.fullmatch(schema['pattern'], parameter['example'])


def test_the_cors_preflight_allows_every_documented_request_header(document, local_api):
    documented = {resolve(document, p)['name'].lower() for p in document['components']['parameters'].values()
                  if p['in'] == 'header'} | {'authorization', 'content-type'}
    for path in document['paths']:
        response = local_api.request('OPTIONS', _concrete(path))
        assert response.status_code == 204, path
        allowed = {name.strip().lower() for name in response.headers['Access-Control-Allow-Headers'].split(',')}
        assert documented <= allowed, path


def test_conflicts_that_ask_to_wait_document_retry_after(document):
    report = document['paths']['/api/interviews/{interview_id}/report']['post']['responses']['409']
    assert resolve(document, report['headers']['Retry-After'])['required'] is True
    for path, method, _ in CHAT_OPERATIONS:
        conflict = document['paths'][path][method]['responses']['409']
        assert resolve(document, conflict['headers']['Retry-After'])['required'] is False, path


def test_the_turn_503_quotes_both_model_failure_messages(document):
    for path, method, _ in CHAT_OPERATIONS:
        unavailable = resolve(document, document['paths'][path][method]['responses']['503'])
        for message in (interview_messages.MODEL_UNAVAILABLE['en'], interview_messages.MODEL_FAILED_BILLED['en'],
                        billing.SERVICE_BUDGET_USED):
            assert message in unavailable['description'], (path, message)


def test_the_export_is_inline_or_a_link(document):
    schema = document['paths']['/api/user/export']['get']['responses']['200']['content']['application/json']['schema']
    assert schema == {'oneOf': [{'$ref': '#/components/schemas/Export'}, {'$ref': '#/components/schemas/ExportLink'}]}
    link = document['components']['schemas']['ExportLink']
    assert sorted(link['required']) == sorted(link['properties']) == sorted(
        ['exported_at', 'size_bytes', 'download_url', 'download_expires_at'])
    exported = document['components']['schemas']['Export']['properties']['interviews']['items']['allOf'][1]
    message = resolve(document, exported['properties']['messages']['items'])
    assert message['allOf'][1]['properties']['interviewer_notes']['type'] == 'string'
    assert 'interviewer_notes' not in document['components']['schemas']['Message']['properties']


def test_nullable_fields_are_marked_nullable(document):
    assert document['components']['schemas']['InterviewPage']['properties']['next']['nullable'] is True
    reply = document['components']['schemas']['ChatReply']['allOf'][1]
    assert reply['properties']['audio_url']['nullable'] is True
    detail = document['components']['schemas']['InterviewDetail']
    assert 'messages_next' in detail['required'] and detail['properties']['messages_next']['nullable'] is True


def test_authorization_is_an_api_key_in_the_authorization_header(document):
    scheme = document['components']['securitySchemes']['TokenAuth']
    assert (scheme['type'], scheme['in'], scheme['name']) == ('apiKey', 'header', 'Authorization')
    assert document['security'] == [{'TokenAuth': []}]


# -- the same bounds as the code -----------------------------------------------------------------
def test_username_email_and_password_bounds_are_the_apps(document):
    assert property_schema(document, 'RegisterRequest', 'username')['pattern'] == accounts.USERNAME_PATTERN.pattern
    password = property_schema(document, 'RegisterRequest', 'password')
    assert (password['minLength'], password['maxLength']) == (accounts.MIN_PASSWORD_CHARS,
                                                              accounts.MAX_PASSWORD_BYTES)
    email = property_schema(document, 'RegisterRequest', 'email')
    assert (email['pattern'], email['maxLength']) == (accounts.EMAIL_PATTERN.pattern, accounts.MAX_EMAIL_CHARS)


def test_text_bounds_are_the_apps(document):
    assert property_schema(document, 'ChatRequest', 'user_input')['maxLength'] == interviews.MAX_ANSWER_CHARS
    assert property_schema(document, 'AnswerRequest', 'user_input')['maxLength'] == interviews.MAX_ANSWER_CHARS
    assert property_schema(document, 'ChatRequest', 'interview_topic')['maxLength'] == interviews.MAX_TOPIC_CHARS
    assert property_schema(document, 'NewInterviewRequest', 'topic')['maxLength'] == interviews.MAX_TOPIC_CHARS
    assert (property_schema(document, 'NewInterviewRequest', 'job_description')['maxLength']
            == interviews.MAX_JOB_DESCRIPTION_CHARS)


def test_languages_are_the_apps(document):
    assert document['components']['schemas']['LanguageCode']['enum'] == list(LANGUAGES)


def test_list_limit_and_interview_id_are_the_apps(document):
    limit = document['components']['parameters']['Limit']['schema']
    assert (limit['minimum'], limit['maximum'], limit['default']) == (1, interviews.MAX_PAGE, interviews.DEFAULT_PAGE)
    assert document['components']['parameters']['Next']['schema'] == {'type': 'string'}
    interview_id = document['components']['parameters']['InterviewId']['schema']
    assert interview_id['pattern'] == interviews.ID_PATTERN.pattern


def test_message_paging_parameters_are_the_apps(document):
    operation = document['paths']['/api/interviews/{interview_id}']['get']
    parameters = [resolve(document, p) for p in operation['parameters']]
    assert [(p['name'], p['in'], p['required']) for p in parameters] == [
        ('limit', 'query', False), ('next', 'query', False)]
    limit = parameters[0]['schema']
    assert (limit['minimum'], limit['maximum'], limit['default']) == (
        1, interviews.MAX_MESSAGES, interviews.DEFAULT_MESSAGES)
    assert parameters[1]['schema'] == {'type': 'string'}


def test_audio_link_parameters_are_the_apps(document):
    operation = document['paths'][AUDIO]['get']
    assert operation['security'] == []
    parameters = {p['name']: resolve(document, p) for p in operation['parameters']}
    assert [(name, p['in']) for name, p in parameters.items()] == [
        ('interview_id', 'path'), ('seq', 'path'), ('u', 'query'), ('l', 'query'), ('e', 'query'), ('s', 'query')]
    assert all(p['required'] for p in parameters.values())
    assert parameters['interview_id']['schema']['pattern'] == audio_links.INTERVIEW_ID.pattern
    assert parameters['u']['schema']['pattern'] == audio_links.ID.pattern == accounts.USER_ID_PATTERN.pattern
    assert resolve(document, parameters['l']['schema'])['enum'] == list(LANGUAGES)
    assert parameters['seq']['schema']['maximum'] == 10 ** 6 - 1  # at most 6 digits
    assert parameters['e']['schema']['maximum'] == 10 ** 12 - 1  # at most 12 digits
    for too_long in (('0' * 7, '1'), ('0', '1' * 13)):
        with pytest.raises(BadRequest):
            audio_links._parse('1795600000000-0123456789abcdef', too_long[0],
                               {'u': '0' * 32, 'l': 'en', 'e': too_long[1], 's': ''})


def test_the_documented_token_form_is_the_apps(document):
    pattern = document['components']['schemas']['LoginReply']['properties']['Token']['pattern']
    assert pattern.startswith(accounts.USER_ID_PATTERN.pattern.rstrip('$'))  # then a dot and the random part


# -- the same security as the app ------------------------------------------------------------------
def _concrete(path: str) -> str:
    return path.replace('{interview_id}', '0000000000000-0000000000000000').replace('{seq}', '0')


def test_operations_that_need_the_token_answer_401_without_it(document, local_api):
    for path, method, operation in operations(document):
        if operation.get('security', document['security']):
            response = local_api.request(method.upper(), _concrete(path), body={})
            assert response.status_code == 401, (method, path, response.body)
            assert '401' in operation['responses'], (method, path)


def test_public_operations_answer_without_a_token(document, local_api):
    public = [(path, method) for path, method, operation in operations(document) if operation.get('security') == []]
    assert sorted(public) == [(AUDIO, 'get'), ('/api/health', 'get'), ('/api/topics', 'get'),
                              ('/api/user/login', 'post'), ('/api/user/register', 'post')]
    for path, method in public:
        response = local_api.request(method.upper(), _concrete(path), body={})
        assert response.status_code in (200, 400), (method, path, response.body)


# -- the same answers as the app -------------------------------------------------------------------
class DocumentedAnswers:
    """Checks each answer against the document: status listed, JSON body valid against its schema
    (formats included), required headers present. Remembers which operations it saw."""

    def __init__(self, document: dict, client):
        from openapi_schema_validator import OAS30Validator, oas30_format_checker
        self.document, self.client, self.seen = document, client, set()
        self._validator = lambda schema: OAS30Validator({'components': document['components'], **schema},
                                                        format_checker=oas30_format_checker)

    def call(self, method: str, template: str, expected: int, path: str = None, **kwargs):
        response = self.client.request(method, path or template, **kwargs)
        assert response.status_code == expected, (method, path or template, response.body)
        operation = self.document['paths'][template][method.lower()]
        status = str(response.status_code)
        assert status in operation['responses'], f'{method} {template} answered an undocumented {status}'
        documented = resolve(self.document, operation['responses'][status])
        for name, header in documented.get('headers', {}).items():
            header = resolve(self.document, header)
            if header.get('required'):
                value = response.headers[name]
                if header['schema']['type'] == 'integer':
                    assert int(value) >= 0, (method, template, status, name)
                elif header['schema'].get('format') == 'uri':
                    assert urlsplit(value).scheme in ('http', 'https') and urlsplit(value).netloc, (name, value)
        self.seen.add((template, method.upper()))
        if 'content' not in documented:  # the audio link's redirect: no body
            assert response.body == b'' and 'Content-Type' not in response.headers, (method, template, status)
            return response
        assert response.headers['Content-Type'].startswith('application/json')
        schema = documented['content']['application/json']['schema']
        errors = [f'{list(error.absolute_path)}: {error.message}'
                  for error in self._validator(schema).iter_errors(response.json_body)]
        assert not errors, (method, template, status, errors)
        return response.json_body

    def play(self, audio_url: str, expected: int):
        """Fetches a reply's audio_url as an audio element does: as it is, with no token."""
        parts = urlsplit(audio_url)
        return self.call('GET', AUDIO, expected, path=f'{parts.path}?{parts.query}')


def _with_query(audio_url: str, **changed) -> str:
    parts = urlsplit(audio_url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    query.update(changed)
    return parts._replace(query='&'.join(f'{k}={v}' for k, v in query.items() if v is not None)).geturl()


def test_the_apps_answers_match_the_documented_schemas(document, local_api, monkeypatch):
    """One account's whole life through every operation: each success and the usual errors."""
    check = DocumentedAnswers(document, local_api)
    check.call('GET', '/api/health', 200)
    check.call('GET', '/api/topics', 200)
    user = {'username': 'alice', 'email': 'alice@example.com', 'password': PASSWORD, 'password2': PASSWORD}
    check.call('POST', '/api/user/register', 201, body=user)
    check.call('POST', '/api/user/register', 409, body=user)
    check.call('POST', '/api/user/register', 400, body={**user, 'username': 'a'})
    check.call('POST', '/api/user/login', 401, body={'username': 'alice', 'password': 'not the password'})
    check.call('POST', '/api/user/login', 400, body={})
    for _ in range(5):  # LOGIN_FAILURE_LIMIT per username and address; unknown names count too
        check.call('POST', '/api/user/login', 401, body={'username': 'mallory', 'password': 'not the password'})
    check.call('POST', '/api/user/login', 429, body={'username': 'mallory', 'password': 'not the password'})

    def log_in() -> dict:
        credentials = {'username': 'alice', 'password': PASSWORD}
        return {'token': check.call('POST', '/api/user/login', 200, body=credentials)['Token']}
    auth = log_in()
    assert auth['token'].split('.')[0] == user_named('alice').user_id  # `<user id>.<random>`

    check.call('GET', '/api/user/me', 401)
    check.call('GET', '/api/user/me', 200, **auth)
    check.call('GET', '/api/chat/gpt', 200, **auth)
    check.call('POST', '/api/chat/gpt', 400, body={}, **auth)
    first = check.call('POST', '/api/chat/gpt', 200, body={'interview_topic': 'backend'}, **auth)['interview_id']
    check.call('POST', '/api/chat/gpt', 200, body={'user_input': 'An index makes reads fast, writes slower.'}, **auth)
    check.call('GET', '/api/chat/gpt', 200, **auth)
    key = {'headers': {'Idempotency-Key': 'a1b2c3d4-0000-4000-8000-000000000001'}}
    once = check.call('POST', '/api/chat/gpt', 200, body={'user_input': 'Keys are unique.'}, **key, **auth)
    assert check.call('POST', '/api/chat/gpt', 200, body={'user_input': 'Keys are unique.'}, **key, **auth) == once
    check.call('POST', '/api/chat/gpt', 422, body={'user_input': 'Something else.'}, **key, **auth)
    check.call('POST', '/api/chat/gpt', 400, body={'user_input': 'x'}, headers={'Idempotency-Key': 'k' * 256}, **auth)
    check.call('POST', '/api/interviews', 400, body={'topic': 'backend', 'language': 'fr'}, **auth)
    spoken = FakeSynthesizer()
    with providers.override(synthesizer=spoken):  # speech on: audio_url is a signed link of this API
        opened = check.call('POST', '/api/interviews', 201, body={
            'topic': 'behavioral', 'language': 'en', 'job_description': 'Team lead'}, **auth)
        second, link = opened['interview_id'], opened['audio_url']
        assert link.startswith('http://') and 'audio_error' not in opened and spoken.calls == []
        played = check.play(link, 302)  # synthesized on this first fetch
        assert spoken.calls == [(opened['response'], 'en')]
        location = urlsplit(played.headers['Location'])
        assert location.path.endswith('.mp3') and 'X-Amz-Signature' in location.query
        assert check.play(link, 302).headers['Location'].split('?')[0] == played.headers['Location'].split('?')[0]
        assert len(spoken.calls) == 1  # stored: fetched again, not made again
        check.play(link.replace(f'/{second}/0/', f'/{second}/1/'), 404)  # not what was signed
        check.play(_with_query(link, s='0' * 32), 404)
        check.play(_with_query(link, s=None), 404)
        check.play(_with_query(link, l='ko'), 404)
        check.play(_with_query(link, e=str(int(time.time()) + 10 ** 6)), 404)
        check.play(_with_query(link, u='x'), 400)
        check.play(_with_query(link, e='soon'), 400)
        check.play(link.split('?')[0], 400)
        with monkeypatch.context() as later:
            later.setattr(time, 'time', lambda: 10 ** 10)  # long after the link's AUDIO_URL_TTL_SECONDS
            check.play(link, 410)
    page = check.call('GET', '/api/interviews', 200, path='/api/interviews?limit=1', **auth)
    assert page['next']
    check.call('GET', '/api/interviews', 200, path=f"/api/interviews?limit=1&next={page['next']}", **auth)
    check.call('GET', '/api/interviews', 400, path='/api/interviews?limit=0', **auth)

    one = '/api/interviews/{interview_id}'
    check.call('GET', one, 400, path='/api/interviews/not-an-id', **auth)
    check.call('GET', one, 404, path='/api/interviews/0000000000000-0000000000000000', **auth)
    check.call('POST', one + '/messages', 200, path=f'/api/interviews/{second}/messages',
               body={'user_input': 'First, the situation: deploys failed weekly; as a result I added tests.'}, **auth)
    check.call('GET', one + '/report', 404, path=f'/api/interviews/{second}/report', **auth)
    interview = InterviewModel.get(user_named('alice').user_id, second)
    interview.update(actions=[InterviewModel.report_claim.set('another-request'),
                              InterviewModel.report_claimed_at.set(datetime.now(timezone.utc))])
    check.call('POST', one + '/report', 409, path=f'/api/interviews/{second}/report', **auth)
    interview.update(actions=[InterviewModel.report_claim.remove(), InterviewModel.report_claimed_at.remove()])
    check.call('POST', one + '/report', 201, path=f'/api/interviews/{second}/report', **auth)
    check.call('POST', one + '/report', 200, path=f'/api/interviews/{second}/report', **auth)
    check.call('GET', one + '/report', 200, path=f'/api/interviews/{second}/report', **auth)
    check.call('POST', one + '/messages', 409, path=f'/api/interviews/{second}/messages',
               body={'user_input': 'One more answer.'}, **auth)
    whole = check.call('GET', one, 200, path=f'/api/interviews/{second}', **auth)
    assert len(whole['messages']) >= 3 and whole['messages_next'] is None
    pages, cursor = [], None  # oldest first, one message at a time, each page continuing the last
    while True:
        page = check.call('GET', one, 200, path=f'/api/interviews/{second}?limit=1'
                          + (f'&next={cursor}' if cursor else ''), **auth)
        assert len(page['messages']) == 1 and page['interview'] == whole['interview']
        pages += page['messages']
        cursor = page['messages_next']
        if cursor is None:
            break
        assert isinstance(cursor, str) and len(pages) < len(whole['messages'])
    assert pages == whole['messages']
    check.call('GET', one, 200, path=f'/api/interviews/{second}?limit={interviews.MAX_MESSAGES}', **auth)
    for bad in (f'limit={interviews.MAX_MESSAGES + 1}', 'limit=0', 'limit=x', 'next=not-a-cursor',
                'next=e30'):  # e30: {} in base64, not a cursor we made
        check.call('GET', one, 400, path=f'/api/interviews/{second}?{bad}', **auth)
    inline = check.call('GET', '/api/user/export', 200, **auth)  # one report, one null
    assert any('interviewer_notes' in m for i in inline['interviews'] for m in i['messages'])
    monkeypatch.setenv('EXPORT_INLINE_MAX_BYTES', '1000')
    linked = check.call('GET', '/api/user/export', 200, **auth)
    assert set(linked) == {'exported_at', 'size_bytes', 'download_url', 'download_expires_at'}
    monkeypatch.delenv('EXPORT_INLINE_MAX_BYTES')

    accounts.set_daily_limit('alice', 0)
    check.call('POST', '/api/chat/gpt', 429, body={'user_input': 'Again.'}, **auth)
    check.call('DELETE', one, 200, path=f'/api/interviews/{first}', **auth)
    check.call('DELETE', '/api/user/me', 403, body={'password': 'not the password'}, **auth)
    check.call('GET', '/api/user/logout', 200, **auth)
    check.call('POST', '/api/user/logout', 401, **auth)
    check.call('POST', '/api/user/logout', 200, **log_in())
    check.call('DELETE', '/api/user/me', 200, body={'password': PASSWORD}, **log_in())

    assert check.seen == documented_operations(document)


def test_the_model_answers_match_the_documented_schemas(document, local_api, fake_openai, monkeypatch):
    """The answers a turn gives when the model fails or its daily allowances are used up."""
    use_fake_openai(monkeypatch, fake_openai, MODEL_CALLS_PER_USER_PER_DAY='3')
    check = DocumentedAnswers(document, local_api)
    auth = {'token': local_api.signup()}
    new = {'topic': 'backend', 'language': 'en'}
    fake_openai.mode = '500'  # refused with an error status: nothing billed, the chat is given back
    refused = check.call('POST', '/api/interviews', 503, body=new, **auth)
    assert refused['error'] == interview_messages.MODEL_UNAVAILABLE['en']
    fake_openai.mode = 'not-json'  # a 200 with an unusable body may have been billed: the chat stays used
    billed = check.call('POST', '/api/interviews', 503, body=new, **auth)
    assert billed['error'] == interview_messages.MODEL_FAILED_BILLED['en']
    assert check.call('GET', '/api/user/me', 200, **auth)['count'] == 1
    fake_openai.mode = 'ok'
    check.call('POST', '/api/interviews', 201, body=new, **auth)  # the third model call today: failed ones count
    assert check.call('POST', '/api/interviews', 429, body=new, **auth)['error'] == billing.USER_BUDGET_USED
    again = local_api.post('/api/interviews', new, **auth)  # only Retry-After, none of the X-RateLimit-* headers
    assert again.status_code == 429 and 'Retry-After' in again.headers and 'X-RateLimit-Limit' not in again.headers
    monkeypatch.setenv('MODEL_CALLS_PER_DAY', '0')
    monkeypatch.setenv('MODEL_CALLS_PER_USER_PER_DAY', '40')
    assert check.call('POST', '/api/interviews', 503, body=new, **auth)['error'] == billing.SERVICE_BUDGET_USED


def test_the_audio_answers_match_the_documented_schemas(document, local_api):
    """A link whose speech fails or was turned off since (503 with Retry-After, in the interview's
    language), and links that name nothing any more (404)."""
    check = DocumentedAnswers(document, local_api)
    auth = {'token': local_api.signup()}
    with providers.override(synthesizer=FakeSynthesizer(fail_with=SpeechFailed('Text-to-speech failed (gTTSError).'))):
        korean = check.call('POST', '/api/interviews', 201, body={'topic': 'backend', 'language': 'ko'}, **auth)
        english = check.call('POST', '/api/interviews', 201, body={'topic': 'backend', 'language': 'en'}, **auth)
        failed = check.play(korean['audio_url'], 503)
        assert failed['error'] == interview_messages.audio_error_in_language(audio.SPEECH_FAILED, 'ko')
        assert check.play(english['audio_url'], 503)['error'] == 'Text-to-speech failed (gTTSError).'
    with providers.override(synthesizer=None):  # speech turned off after the link was made
        assert check.play(english['audio_url'], 503)['error'] == audio.SPEECH_OFF
        off = check.call('POST', '/api/interviews', 201, body={'topic': 'backend', 'language': 'en'}, **auth)
        assert off['audio_url'] is None and off['audio_error'] == audio.SPEECH_OFF
    with providers.override(synthesizer=FakeSynthesizer()):
        check.play(english['audio_url'], 302)
        check.call('DELETE', '/api/interviews/{interview_id}', 200, path=f"/api/interviews/{english['interview_id']}",
                   **auth)
        check.play(english['audio_url'], 404)  # its interview was deleted
        check.call('DELETE', '/api/user/me', 200, body={'password': PASSWORD}, **auth)
        check.play(korean['audio_url'], 404)  # its account was deleted

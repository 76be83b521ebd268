"""`make fuzz`: property-based tests of the running API against docs/openapi.json.

Starts DynamoDB Local (in memory), moto's S3 and `chalice local` on free loopback ports, creates
the tables and the bucket, signs up a user and gives it interviews in each state (fresh,
answered, reported, finished), then runs schemathesis on every documented operation with that
user's token: the examples, coverage, fuzzing and stateful phases, positive and negative data,
real interview ids in about half the {interview_id} cases. Logout and account deletion, which
end the session they run with, get runs (and tokens, and an account) of their own.

Checks: no 5xx (`not_a_server_error`) and every response as documented: status code, content
type, body schema and headers. Prints a summary (operations, cases, responses per operation and
status, failures by check, 5xx seen), writes it to .local/fuzz-report.json, and exits non-zero
when anything failed. Everything it started is stopped on the way out, Ctrl-C included.

    .venv/bin/python -m scripts.fuzz [--max-examples 50] [--seed N] [--workers 1]

Nothing but 127.0.0.1 is ever contacted. Logs: .local/logs/; schemathesis' own reports (JSON,
NDJSON events) and configuration: .local/fuzz/<run>/.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python scripts/fuzz.py`
    sys.path.insert(0, str(ROOT))

from scripts.bootstrap import stage_environment  # noqa: E402
from scripts.local_stack import (LOCAL_DIR, LOOPBACK, ChaliceLocal, DynamoDBLocal, S3Local, Stop,  # noqa: E402
                                 die_with_parent, handle_stop_signals, mark_stopping,
                                 stop_process_group)

SCHEMA = ROOT / 'docs' / 'openapi.json'
WORK_DIR = LOCAL_DIR / 'fuzz'
REPORT = LOCAL_DIR / 'fuzz-report.json'
STAGE = 'local'
CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance',
          'response_schema_conformance', 'response_headers_conformance']
# Operations whose success ends the session (or the account) they run with.
SESSION_ENDING = ('logoutGet', 'logoutPost', 'deleteAccount')
SERVER_READY_SECONDS = 60.0
# Well formed, but no interview has it: a 404 on every {interview_id} route.
NEVER_CREATED_ID = '0000000000000-0000000000000000'
# Answers each {interview_id} route should have given at least once; a gap is reported, not failed on.
EXPECTED_STATUSES = {
    'GET /api/interviews/{interview_id}': ['200', '400', '404'],
    'DELETE /api/interviews/{interview_id}': ['200', '400', '404'],
    'POST /api/interviews/{interview_id}/messages': ['200', '400', '404', '409'],
    'POST /api/interviews/{interview_id}/report': ['200', '201', '400', '404'],
    'GET /api/interviews/{interview_id}/report': ['200', '400', '404'],
}
# Which check raised a failure, by schemathesis's failure class (a header schema error is told apart by title).
CHECK_OF_FAILURE = {
    'ServerError': 'not_a_server_error', 'ContentTypeServerError': 'not_a_server_error',
    'UndefinedStatusCode': 'status_code_conformance',
    'MissingContentType': 'content_type_conformance', 'UndefinedContentType': 'content_type_conformance',
    'MalformedMediaType': 'content_type_conformance',
    'MissingHeaders': 'response_headers_conformance',
    'JsonSchemaError': 'response_schema_conformance', 'MalformedJson': 'response_schema_conformance',
    'ContentDeserializationError': 'response_schema_conformance',
}


def _say(message: str) -> None:
    print(f'[fuzz] {message}', flush=True)


# -- the local stack ------------------------------------------------------------------------------
def server_environment(dynamodb: DynamoDBLocal, s3: S3Local) -> dict:
    return {
        **stage_environment(STAGE),
        'AWS_ENDPOINT_URL_DYNAMODB': dynamodb.endpoint, 'AWS_ENDPOINT_URL_S3': s3.endpoint,
        'AWS_ACCESS_KEY_ID': 'local', 'AWS_SECRET_ACCESS_KEY': 'local',
        'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_REGION': 'us-east-1',
        'BCRYPT_ROUNDS': '4', 'INTERVIEWER_PROVIDER': 'offline', 'SPEECH_PROVIDER': 'none', 'OPENAI_API_KEY': '',
        'DAILY_CHAT_LIMIT': '1000000', 'REGISTRATION_LIMIT_PER_IP': '1000000', 'LOGIN_FAILURE_LIMIT': '1000000',
    }


def create_resources(env: dict) -> None:
    # Table names are read when chalicelib.models is imported, so the environment comes first;
    # real AWS credentials of the developer must not reach the local stand-ins (nor the server).
    for name in ('AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_PROFILE'):
        os.environ.pop(name, None)
    os.environ.update(env)
    from scripts.bootstrap import ensure_bucket, ensure_tables
    ensure_tables()
    ensure_bucket()


def start_api(stack: contextlib.ExitStack, env: dict) -> tuple:
    """`chalice local` on a free loopback port; returns its base URL and its log file."""
    server = stack.enter_context(ChaliceLocal(env, stage=STAGE, log_name='chalice-fuzz'))
    return server.endpoint, server.log_path


# -- talking to the API (loopback only, never through a proxy) -------------------------------------
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _open(url: str, data: bytes = None, headers: dict = None, method: str = None, timeout: float = 30):
    if not url.startswith(f'http://{LOOPBACK}:'):
        raise RuntimeError(f'refusing to contact {url}: only {LOOPBACK} is ever targeted')
    return _OPENER.open(urllib.request.Request(url, data=data, headers=headers or {}, method=method),
                        timeout=timeout)


def call(base: str, method: str, path: str, body: dict = None, token: str = None) -> tuple:
    headers = {'Content-Type': 'application/json'}
    if token:
        headers['Authorization'] = f'Token {token}'
    data = json.dumps(body).encode() if body is not None else None
    try:
        with _open(base + path, data, headers, method) as response:
            return response.status, json.loads(response.read() or b'null')
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b'null')


def expect(status: int, answer: tuple, what: str) -> dict:
    if answer[0] != status:
        raise RuntimeError(f'{what}: expected {status}, got {answer[0]} {answer[1]}')
    return answer[1]


def sign_up(base: str, username: str, password: str) -> str:
    expect(201, call(base, 'POST', '/api/user/register', {
        'username': username, 'email': f'{username}@example.com', 'password': password}), 'register')
    return log_in(base, username, password)


def log_in(base: str, username: str, password: str) -> str:
    return expect(200, call(base, 'POST', '/api/user/login', {'username': username, 'password': password}),
                  'login')['Token']


def seed_interviews(base: str, token: str) -> dict:
    """Interviews in each state the {interview_id} routes care about; returns {state: id}."""
    def new(topic: str, language: str) -> str:
        reply = expect(201, call(base, 'POST', '/api/interviews', {'topic': topic, 'language': language},
                                 token), 'create interview')
        return reply['interview_id']

    def answer(interview_id: str, text: str) -> dict:
        return call(base, 'POST', f'/api/interviews/{interview_id}/messages', {'user_input': text}, token)

    ids = {'fresh': new('backend', 'ko'), 'answered': new('behavioral', 'en'),
           'reported': new('system design', 'en'), 'finished': new('frontend', 'ko'), 'deleted': new('mobile', 'en')}
    expect(200, call(base, 'DELETE', f"/api/interviews/{ids['deleted']}", token=token), 'delete interview')
    expect(200, answer(ids['answered'], 'First, I would index the hot columns because reads dominate.'), 'answer')
    expect(200, answer(ids['reported'], 'I led a migration; as a result latency dropped by 40%.'), 'answer')
    expect(201, call(base, 'POST', f"/api/interviews/{ids['reported']}/report", token=token), 'report')
    for turn in range(20):  # until the interviewer closes it
        status, reply = answer(ids['finished'], f'답변 {turn}: 캐시는 TTL과 무효화 전략이 중요합니다.')
        if status == 409:
            break
        expect(200, (status, reply), 'answer')
    return ids


# -- schemathesis -------------------------------------------------------------------------------
def write_config(path: Path, interview_ids: list, password: str = None) -> None:
    """Auth from the environment (the token never touches the disk), real interview ids for
    {interview_id} in about half the cases, and for the account deletion run the account's
    real password in about half the cases (a throwaway account in an in-memory database)."""
    q = json.dumps  # a JSON string is a valid TOML basic string for these values
    lines = [
        '[auth.openapi.TokenAuth]',
        'api_key = "${FUZZ_AUTHORIZATION}"',
        '',
        '[cache]',
        'enabled = false',
        '',
        # Methods no route has are answered 405 by the app. TRACE and QUERY never reach it: API
        # Gateway refuses them, and `chalice local` (http.server) answers them with an HTML 501.
        '[phases.coverage]',
        'unexpected-methods = ["get", "put", "post", "delete", "patch"]',
        '',
        '[dictionaries.interview_ids]',
        f'values = [{", ".join(q(i) for i in interview_ids)}]',
    ]
    parameters = ['"path.interview_id" = { dictionary = "interview_ids", probability = 0.5 }']
    if password is not None:
        lines += ['', '[dictionaries.account_password]', f'values = [{q(password)}]']
        parameters.append('"body.password" = { dictionary = "account_password", probability = 0.5 }')
    lines += ['', '[parameters]', *parameters, '']
    path.write_text('\n'.join(lines), encoding='utf-8')


def schemathesis_env(authorization: str) -> dict:
    env = {name: value for name, value in os.environ.items()
           if name.lower() not in ('http_proxy', 'https_proxy', 'all_proxy')}
    env.update({'FUZZ_AUTHORIZATION': authorization, 'NO_PROXY': '*', 'no_proxy': '*', 'PYTHONUNBUFFERED': '1'})
    return env


def run_schemathesis(stack: contextlib.ExitStack, name: str, base: str, interview_ids: list, token: str,
                     args: argparse.Namespace, filters: list, password: str = None) -> dict:
    out_dir = WORK_DIR / name
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    config = out_dir / 'schemathesis.toml'
    write_config(config, interview_ids, password)
    command = [
        sys.executable, '-m', 'schemathesis.cli', '--config-file', str(config), 'run', str(SCHEMA),
        '--url', base, '--checks', ','.join(CHECKS), '--max-examples', str(args.max_examples),
        '--seed', str(args.seed), '--workers', str(args.workers), '--phases', args.phases,
        '--max-redirects', '0', '--request-timeout', '30', '--generation-database', 'none',
        '--report', 'json,ndjson', '--report-dir', str(out_dir),
        '--report-json-path', str(out_dir / 'report.json'), '--report-ndjson-path', str(out_dir / 'events.ndjson'),
        *filters,
    ]
    _say(f'schemathesis ({name}): ' + ' '.join(command[3:]))
    process = subprocess.Popen(command, cwd=WORK_DIR, env=schemathesis_env(f'Token {token}'),
                               stdin=subprocess.DEVNULL, start_new_session=True,
                               preexec_fn=die_with_parent if sys.platform.startswith('linux') else None)
    stack.callback(stop_process_group, process)
    try:
        code = process.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        stop_process_group(process)
        raise RuntimeError(f'schemathesis ({name}) did not finish within {args.timeout} s')
    return summarize_run(name, code, out_dir)


def summarize_run(name: str, exit_code: int, out_dir: Path) -> dict:
    try:
        report = json.loads((out_dir / 'report.json').read_text())
    except (OSError, ValueError):
        report = {}
    statuses = collections.Counter()
    by_operation = collections.defaultdict(collections.Counter)
    checks = collections.defaultdict(lambda: {'passed': 0, 'failed': 0})
    events = out_dir / 'events.ndjson'
    if events.exists():
        for line in events.read_text(encoding='utf-8', errors='replace').splitlines():
            _count_event(json.loads(line), statuses, by_operation, checks)
    failures = collections.Counter()
    for group in report.get('failures', []):
        check = CHECK_OF_FAILURE.get(group['type'], group['type'])
        if group['type'] == 'JsonSchemaError' and 'header' in group['title'].lower():
            check = 'response_headers_conformance'
        failures[check] += group['count']
    operations = report.get('operations') or {}
    return {
        'name': name, 'exit_code': exit_code, 'complete': report.get('complete', False),
        'stop_reason': report.get('stop_reason'), 'running_time': report.get('running_time'),
        'operations_selected': operations.get('selected', 0), 'operations_tested': operations.get('tested', 0),
        'operations_errored': operations.get('errored', 0),
        'cases': (report.get('test_cases') or {}).get('generated', 0),
        'failures': [{k: group[k] for k in ('title', 'type', 'count', 'operations')}
                     for group in report.get('failures', [])],
        'failures_by_check': dict(failures),
        'errors': report.get('errors', []),
        'responses_by_status': dict(sorted(statuses.items())),
        'responses_by_operation': {op: dict(sorted(c.items())) for op, c in sorted(by_operation.items())},
        'checks_run': {k: dict(v) for k, v in sorted(checks.items())},
    }


def _count_event(event: dict, statuses: collections.Counter, by_operation: dict, checks: dict) -> None:
    """Every response status (overall and per operation) and check outcome of a finished scenario."""
    finished = event.get('ScenarioFinished')
    if not finished:
        return
    recorder = finished.get('recorder') or {}
    cases = recorder.get('cases') or {}
    for case_id, interaction in (recorder.get('interactions') or {}).items():
        response = interaction.get('response')
        if not response:
            continue
        status = str(response.get('status_code'))
        statuses[status] += 1
        case = (cases.get(case_id) or {}).get('value') or {}
        by_operation[f"{case.get('method', '?')} {case.get('path', '?')}"][status] += 1
    for case_checks in (recorder.get('checks') or {}).values():
        for check in case_checks:
            checks[check['name']]['passed' if check['status'] == 'success' else 'failed'] += 1


# -- the whole run ------------------------------------------------------------------------------
def parse_args(argv: list) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--max-examples', type=int, default=int(os.environ.get('FUZZ_MAX_EXAMPLES', 50)),
                        help='most test cases per operation and phase (default 50, or FUZZ_MAX_EXAMPLES)')
    parser.add_argument('--seed', type=int, default=None, help='random seed, to repeat a run (default: random)')
    # One worker: with several, hypothesis parses source with `ast` from two threads, which Python
    # 3.11 can fail ("AST constructor recursion depth mismatch") as a schemathesis error.
    parser.add_argument('--workers', type=int, default=1, help='concurrent schemathesis workers (default 1)')
    parser.add_argument('--phases', default='examples,coverage,fuzzing,stateful',
                        help='schemathesis phases (default: examples,coverage,fuzzing,stateful)')
    parser.add_argument('--timeout', type=float, default=600,
                        help='give up on a schemathesis run after this many seconds (default 600)')
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2 ** 31)
    return args


def combine(runs: list, args: argparse.Namespace, started: float, interview_ids: dict) -> dict:
    failures_by_check = collections.Counter()
    statuses = collections.Counter()
    by_operation = collections.defaultdict(collections.Counter)
    for run in runs:
        failures_by_check.update(run['failures_by_check'])
        statuses.update(run['responses_by_status'])
        for operation, counts in run['responses_by_operation'].items():
            by_operation[operation].update(counts)
    documented = documented_operations()
    server_errors = sum(count for status, count in statuses.items() if status.startswith('5'))
    never_answered = [op for op in documented if not by_operation[op]]
    ok = (all(run['exit_code'] == 0 and run['complete'] and not run['errors'] for run in runs)
          and not failures_by_check and server_errors == 0 and not never_answered)
    return {
        'passed': ok,
        'schema': str(SCHEMA.relative_to(ROOT)),
        'seed': args.seed, 'max_examples': args.max_examples, 'phases': args.phases.split(','),
        'checks': CHECKS,
        'operations_tested': sum(run['operations_tested'] for run in runs),
        'operations_selected': sum(run['operations_selected'] for run in runs),
        'cases': sum(run['cases'] for run in runs),
        'failures': sum(failures_by_check.values()),
        'failures_by_check': {check: failures_by_check.get(check, 0) for check in CHECKS},
        'server_errors': server_errors,
        'operations_never_answered': never_answered,
        'expected_statuses_not_seen': {op: missing for op, statuses in EXPECTED_STATUSES.items()
                                       if (missing := [s for s in statuses if s not in by_operation[op]])},
        'responses_by_status': dict(sorted(statuses.items())),
        'responses_by_operation': {op: dict(sorted(by_operation[op].items())) for op in documented},
        'responses_to_other_methods': dict(sorted(sum(
            (counts for op, counts in by_operation.items() if op not in documented), collections.Counter()).items())),
        'seeded_interviews': interview_ids,
        'duration_seconds': round(time.monotonic() - started, 1),
        'runs': runs,
    }


def documented_operations() -> list:
    paths = json.loads(SCHEMA.read_text(encoding='utf-8'))['paths']
    return [f'{method.upper()} {path}' for path, item in paths.items() for method in item
            if method in ('get', 'put', 'post', 'delete', 'patch')]


def print_summary(summary: dict) -> None:
    print(flush=True)
    _say('summary')
    print(f"  operations tested: {summary['operations_tested']} of {summary['operations_selected']}")
    print(f"  cases tried:       {summary['cases']}  (max {summary['max_examples']} per operation and phase, "
          f"seed {summary['seed']})")
    print(f"  responses:         {sum(summary['responses_by_status'].values())}  by status: "
          + ', '.join(f'{s}: {n}' for s, n in summary['responses_by_status'].items()))
    for operation, counts in summary['responses_by_operation'].items():
        print(f'    {operation:<46} ' + ', '.join(f'{s}: {n}' for s, n in counts.items()))
    other = summary['responses_to_other_methods']
    print('    undocumented methods (405 expected)           ' + ', '.join(f'{s}: {n}' for s, n in other.items()))
    print(f"  5xx seen:          {summary['server_errors']}")
    for operation, missing in summary['expected_statuses_not_seen'].items():
        print(f"  warning: {operation} never answered {', '.join(missing)} in this run")
    if summary['operations_never_answered']:
        print('  never answered:    ' + ', '.join(summary['operations_never_answered']))
    print('  failures by check: ' + ', '.join(f'{c}: {n}' for c, n in summary['failures_by_check'].items()))
    for run in summary['runs']:
        for failure in run['failures']:
            print(f"    - {failure['title']} ×{failure['count']} in {', '.join(failure['operations'])}")
        for error in run['errors']:
            print(f"    - error: {error['title']} ×{error['count']}")
    print(f"  server log:        {summary['server_log']}")
    print(f"  run time:          {summary['duration_seconds']} s")
    print(f"  result:            {'PASSED' if summary['passed'] else 'FAILED'}  (written to "
          f"{REPORT.relative_to(ROOT)})", flush=True)


def run(stack: contextlib.ExitStack, args: argparse.Namespace) -> int:
    started = time.monotonic()
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    _say('starting DynamoDB Local (in memory) and S3 (moto) ...')
    dynamodb = DynamoDBLocal()
    stack.callback(dynamodb.stop)
    dynamodb.start()
    s3 = S3Local()
    stack.callback(s3.stop)
    s3.start()
    env = server_environment(dynamodb, s3)
    create_resources(env)
    _say('starting chalice local ...')
    base, server_log = start_api(stack, env)
    _say(f'API at {base}; signing up the fuzz user and seeding interviews ...')
    username, password = f'fuzz_{secrets.token_hex(4)}', secrets.token_urlsafe(24)
    token = sign_up(base, username, password)
    interview_ids = seed_interviews(base, token)
    ids = [*interview_ids.values(), NEVER_CREATED_ID]
    # Every operation but those that end the session or the account, with the fuzz user's token.
    runs = [run_schemathesis(stack, 'main', base, ids, token, args,
                             [f'--exclude-operation-id={op}' for op in SESSION_ENDING])]
    # Each of those in a run of its own with a token (and, to delete, an account) of its own:
    # the first success revokes the token, so later cases of that run are 401s, as documented.
    for operation in ('logoutGet', 'logoutPost'):
        runs.append(run_schemathesis(stack, operation, base, ids, log_in(base, username, password), args,
                                     [f'--include-operation-id={operation}']))
    doomed, doomed_password = f'fuzz_{secrets.token_hex(4)}', secrets.token_urlsafe(24)
    runs.append(run_schemathesis(stack, 'deleteAccount', base, ids, sign_up(base, doomed, doomed_password), args,
                                 ['--include-operation-id=deleteAccount'], password=doomed_password))
    summary = combine(runs, args, started, interview_ids)
    summary['server_log'] = str(server_log.relative_to(ROOT))  # tracebacks of any 5xx are there
    REPORT.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + '\n', encoding='utf-8')
    print_summary(summary)
    return 0 if summary['passed'] else 1


def main(argv: list = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    handle_stop_signals()
    with contextlib.ExitStack() as stack:
        try:
            return run(stack, args)
        except Stop:
            print(flush=True)
            _say('interrupted; stopping everything ...')
            _write_unfinished(args, 'interrupted')
            return 130
        except (RuntimeError, OSError) as error:
            _say(f'error: {error}')
            _write_unfinished(args, str(error))
            return 2
        finally:
            mark_stopping()  # the clean-up (the ExitStack) must not be interrupted


def _write_unfinished(args: argparse.Namespace, reason: str) -> None:
    """A report that says the run did not finish, so nothing reads an old one as this run's."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({'passed': False, 'error': reason, 'seed': args.seed}, indent=2) + '\n')


if __name__ == '__main__':
    sys.exit(main())

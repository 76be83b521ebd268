"""`make bench`: the numbers the README quotes, measured again on this machine.

- cold start: `import app` as shipped (openai and gTTS lazy) against importing them eagerly,
  each in a fresh interpreter, the median of several runs (`python -X importtime`);
- the cost of one request on a warm container, route by route, in-process through chalice's
  test client with moto standing in for AWS (so it measures our code, not the network).

It prints numbers and never fails on them: a timing goal is not a pass/fail test.

    python -m scripts.bench [--runs 7] [--requests 50]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def import_microseconds(modules: str) -> int:
    """Cumulative import time of `modules` (comma-separated) in a fresh interpreter."""
    result = subprocess.run([sys.executable, '-X', 'importtime', '-c', f'import {modules}'], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    wanted = {name.strip() for name in modules.split(',')}
    total = 0
    for line in result.stderr.splitlines():
        parts = [part.strip() for part in line.split('|')]
        if len(parts) == 3 and parts[2] in wanted:
            total += int(parts[1])
    return total


def cold_start(runs: int) -> None:
    print(f'cold start (median of {runs} fresh interpreters, python -X importtime):')
    for label, modules in (('import app (as shipped: openai, gTTS lazy)', 'app'),
                           ('import openai, gtts, app (eager)', 'openai, gtts, app')):
        median = statistics.median(import_microseconds(modules) for _ in range(runs))
        print(f'  {label:<46} {median / 1000:8.0f} ms')


def warm_requests(count: int) -> None:
    # The same isolation as the unit tests: moto in-process, no endpoint overrides.
    for name in [n for n in os.environ if n.startswith('AWS_ENDPOINT_URL')]:
        del os.environ[name]
    os.environ.update({'AWS_ACCESS_KEY_ID': 'bench', 'AWS_SECRET_ACCESS_KEY': 'bench',
                       'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_REGION': 'us-east-1',
                       'SPEECH_PROVIDER': 'none', 'INTERVIEWER_PROVIDER': 'offline', 'OPENAI_API_KEY': '',
                       'DAILY_CHAT_LIMIT': str(count * 4), 'INTERVIEW_QUESTIONS': str(count + 5),
                       'BCRYPT_ROUNDS': os.environ.get('BCRYPT_ROUNDS', '12')})
    from moto import mock_aws
    with mock_aws():
        from chalice.test import Client
        from app import app
        from scripts.bootstrap import ensure_bucket, ensure_tables
        ensure_tables()
        ensure_bucket()
        with Client(app, stage_name='bench', project_dir=str(ROOT)) as client:
            _measure_routes(client.http, count)


def _measure_routes(http, count: int) -> None:
    import json
    headers = {'Content-Type': 'application/json'}
    body = json.dumps({'username': 'bench', 'email': 'bench@example.com', 'password': 'correct horse'})
    http.post('/api/user/register/', headers=headers, body=body)
    login_body = json.dumps({'username': 'bench', 'password': 'correct horse'})
    token = json.loads(http.post('/api/user/login/', headers=headers, body=login_body).body)['Token']
    auth = {**headers, 'Authorization': f'Token {token}'}
    interview_id = json.loads(http.post('/api/interviews/', headers=auth,
                                        body=json.dumps({'topic': 'backend'})).body)['interview']['id']
    cases = [
        ('GET  /api/health/', lambda: http.get('/api/health/')),
        (f'POST /api/user/login/ (bcrypt cost {os.environ["BCRYPT_ROUNDS"]})',
         lambda: http.post('/api/user/login/', headers=headers, body=login_body)),
        ('GET  /api/chat/gpt/', lambda: http.get('/api/chat/gpt/', headers=auth)),
        ('POST /api/interviews/{id}/messages/ (offline)',
         lambda: http.post(f'/api/interviews/{interview_id}/messages/', headers=auth,
                           body=json.dumps({'user_input': 'An index speeds up reads.'}))),
        ('GET  /api/interviews/', lambda: http.get('/api/interviews/', headers=auth)),
    ]
    print(f'warm requests, in-process with moto ({count} each; ms):')
    print(f'  {"route":<48} {"p50":>7} {"p95":>7} {"max":>7}')
    for label, send in cases:
        timings = []
        for _ in range(count):
            started = time.perf_counter()
            send()
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        print(f'  {label:<48} {statistics.median(timings):7.1f} {p95:7.1f} {timings[-1]:7.1f}')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m scripts.bench', description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=7, help='fresh interpreters per import measurement')
    parser.add_argument('--requests', type=int, default=50, help='requests per route')
    args = parser.parse_args(argv)
    cold_start(args.runs)
    warm_requests(args.requests)
    return 0


if __name__ == '__main__':
    sys.exit(main())

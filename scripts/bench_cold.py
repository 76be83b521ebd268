"""Cold start: what a fresh Lambda container pays before and during its first requests.

- `import app` in fresh interpreters, as shipped (openai and gTTS lazy) and with them imported
  eagerly: the median of several runs of `python -X importtime`;
- the first request of each kind in a fresh process: this module, run as a script, imports the
  app, serves it, and times a first register, login, page-load GET, chat start (the first model
  call, which imports openai), answer and profile GET; then the same again, now warm.

Only the standard library is imported at the top: the child times `import app` before the
bench's own modules (boto3, requests) are loaded.
"""
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = (('import app (as shipped: openai, gTTS lazy)', 'app'),
           ('import openai, gtts, app (eager)', 'openai, gtts, app'))


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


def import_times(runs: int) -> dict:
    """{label: median ms} over `runs` fresh interpreters each."""
    return {label: round(statistics.median(import_microseconds(modules) for _ in range(runs)) / 1000, 1)
            for label, modules in IMPORTS}


def first_requests() -> dict:
    """The child's timings, run with this process's environment (the bench has configured it)."""
    result = subprocess.run([sys.executable, '-m', 'scripts.bench_cold'], cwd=ROOT, env=dict(os.environ),
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f'the cold-start child failed (exit {result.returncode}):\n{result.stderr[-2000:]}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def _child() -> dict:
    started = time.perf_counter()
    import app  # noqa: F401  (first: what a Lambda container loads before its first request)
    import_ms = (time.perf_counter() - started) * 1000

    from scripts.bench_client import Client, expect
    from scripts.bench_engines import ServedApp
    started = time.perf_counter()
    server = ServedApp().start()
    serve_ms = (time.perf_counter() - started) * 1000
    client = Client(server.base_url)
    rounds = {}
    try:
        for name in ('first', 'second'):
            registered, logged_in, token = client.signup(f'cold{os.getpid()}{name}')
            timed = [('POST /api/user/register/', registered), ('POST /api/user/login/', logged_in),
                     ('GET /api/chat/gpt/', client.call('GET', '/api/chat/gpt/', token=token)),
                     ('POST /api/chat/gpt/ (start)',
                      client.call('POST', '/api/chat/gpt/', {'interview_topic': 'backend'}, token)),
                     ('POST /api/chat/gpt/ (answer)',
                      client.call('POST', '/api/chat/gpt/', {'user_input': 'I would add an index first.'}, token)),
                     ('GET /api/user/me/', client.call('GET', '/api/user/me/', token=token))]
            rounds[name] = {route: round(expect(sample, route).ms, 1) for route, sample in timed}
    finally:
        server.stop()
    return {'import_app_ms': round(import_ms, 1), 'serve_ms': round(serve_ms, 1),
            'speech': os.environ.get('SPEECH_PROVIDER', ''), **rounds}


if __name__ == '__main__':
    print(json.dumps(_child()))

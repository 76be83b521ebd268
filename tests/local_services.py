"""Fixtures for tests that need DynamoDB's real semantics: DynamoDB Local, and the API
served by `chalice local` on top of it (the way `make run` serves it)."""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from chalicelib import models
from scripts.local_stack import LOG_DIR, DynamoDBLocal, free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope='session')
def dynamodb_local():
    with DynamoDBLocal() as server:
        yield server


@pytest.fixture
def ddb(dynamodb_local):
    """Every table, empty, in DynamoDB Local; PynamoDB pointed there for this test."""
    models.reconnect(host=dynamodb_local.endpoint)
    from scripts.bootstrap import ensure_tables
    for model in models.ALL_MODELS:
        if model.exists():
            model.delete_table()
    ensure_tables()
    yield dynamodb_local
    models.reconnect()


@pytest.fixture
def served_api(ddb):
    """`chalice local` on a free port, with DynamoDB Local behind it. Yields its base URL."""
    port = free_port()
    env = dict(os.environ, AWS_ENDPOINT_URL_DYNAMODB=ddb.endpoint, SPEECH_PROVIDER='none',
               INTERVIEWER_PROVIDER='offline', BCRYPT_ROUNDS='4')
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f'chalice-test-{port}.log'
    with open(log_path, 'wb') as log:
        process = subprocess.Popen([sys.executable, str(ROOT / 'scripts' / 'chalice_local.py'), '--stage', 'local',
                                    '--host', '127.0.0.1', '--port', str(port), '--no-autoreload'],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + '/api/health/', timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError('chalice local did not start: ' + log_path.read_text()[-2000:])
            time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()

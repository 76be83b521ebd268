"""Test setup. The environment is fixed here, before the app is imported, because the
models read table names and region at import and chalice's test client sets stage
variables only during a request."""
import os

from scripts.bootstrap import stage_environment

os.environ.update(stage_environment('local'))  # the same table names `chalice local` uses
for _name in [n for n in os.environ if n.startswith('AWS_ENDPOINT_URL')]:
    del os.environ[_name]  # any endpoint override would bypass moto
os.environ.update({
    'AWS_ACCESS_KEY_ID': 'testing', 'AWS_SECRET_ACCESS_KEY': 'testing', 'AWS_SECURITY_TOKEN': 'testing',
    'AWS_SESSION_TOKEN': 'testing', 'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_REGION': 'us-east-1',
    'BCRYPT_ROUNDS': '4',  # the cost is configuration; tests need speed, not strength
    'SPEECH_PROVIDER': 'none', 'INTERVIEWER_PROVIDER': 'offline', 'OPENAI_API_KEY': '',
    'CORS_ALLOW_ORIGIN': 'https://frontend.example',
})

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib import config, models, providers  # noqa: E402

pytest_plugins = ['tests.fixtures', 'tests.local_services']


def reset_clients() -> None:
    models.reconnect()
    providers._s3_client.cache_clear()


@pytest.fixture(scope='session')
def moto_aws():
    """One moto account for the session: creating tables per test would triple the run time."""
    with mock_aws():
        reset_clients()
        from scripts.bootstrap import ensure_bucket, ensure_tables
        ensure_tables()
        ensure_bucket()
        yield
    reset_clients()


@pytest.fixture
def aws(moto_aws):
    """Every table and the bucket, in moto, empty at the start of each test."""
    for model in models.ALL_MODELS:
        with model.batch_write() as batch:
            for item in model.scan():
                batch.delete(item)
    s3, bucket = providers.s3(), config.settings().audio_bucket
    for item in s3.list_objects_v2(Bucket=bucket).get('Contents', []):
        s3.delete_object(Bucket=bucket, Key=item['Key'])
    yield

"""Fixtures for tests that need DynamoDB's real semantics: DynamoDB Local, and the API
served by `chalice local` on top of it (the way `make run` serves it)."""
import pytest

from chalicelib import models
from scripts.local_stack import ChaliceLocal, DynamoDBLocal, S3Local


@pytest.fixture(scope='session')
def dynamodb_local():
    with DynamoDBLocal() as server:
        yield server


@pytest.fixture(scope='session')
def s3_local():
    """moto's S3 server with the local stage's bucket, for a served API that stores audio."""
    with S3Local() as server:
        server.client().create_bucket(Bucket='mock-interviewer-local-audio')
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
    environment = {'AWS_ENDPOINT_URL_DYNAMODB': ddb.endpoint, 'SPEECH_PROVIDER': 'none',
                   'INTERVIEWER_PROVIDER': 'offline', 'BCRYPT_ROUNDS': '4'}
    with ChaliceLocal(environment, log_name='chalice-test') as server:
        yield server.endpoint

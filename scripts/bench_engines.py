"""What `make bench` measures against: DynamoDB Local and moto's S3 server (child processes),
the fake model, and the app under chalice's local dev server on a thread of this process.

In-process, because only here can fakes be handed to the app (`providers.override`) and every
AWS call it makes be counted (botocore's event hooks on its clients). The app reads its
settings when imported, so `configure` must run before anything imports `app` or chalicelib.
"""
import functools
import os
import threading
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field

from scripts.bench_fakes import BenchModel
from scripts.bootstrap import stage_environment
from scripts.local_stack import LOOPBACK, ROOT, DynamoDBLocal, S3Local, free_port

STAGE = 'local'
# On top of the local stage's settings; each says why the bench needs it.
SETTINGS = {
    'AWS_ACCESS_KEY_ID': 'local', 'AWS_SECRET_ACCESS_KEY': 'local',  # the local engines take any
    'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_REGION': 'us-east-1',
    'INTERVIEWER_PROVIDER': 'openai', 'OPENAI_API_KEY': 'sk-bench',  # the fake model, through the real SDK
    'OPENAI_MAX_RETRIES': '0',  # a retry would hide a failure inside a timing
    'SPEECH_PROVIDER': 'none',  # the bench hands in its own synthesizer where it wants one
    'INTERVIEW_QUESTIONS': '400',  # one interview runs 300 turns without closing
    'DAILY_CHAT_LIMIT': '5000', 'MODEL_CALLS_PER_USER_PER_DAY': '5000', 'MODEL_CALLS_PER_DAY': '1000000',
    'REGISTRATION_LIMIT_PER_IP': '1000000',  # every account is registered from 127.0.0.1
}
DYNAMODB_WRITES = {'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'}


def configure(dynamodb_endpoint: str, s3_endpoint: str, model_url: str) -> None:
    """The environment the app is imported and served with."""
    for name in [n for n in os.environ if n.startswith('AWS_ENDPOINT_URL')]:
        del os.environ[name]
    os.environ.update(stage_environment(STAGE))
    os.environ.update(SETTINGS)
    os.environ.update({'AWS_ENDPOINT_URL_DYNAMODB': dynamodb_endpoint, 'AWS_ENDPOINT_URL_S3': s3_endpoint,
                       'OPENAI_BASE_URL': model_url})


# -- the app, served -------------------------------------------------------------------------
class ServedApp:
    """`chalice local` for this project, built the way the chalice CLI builds it, served on a
    daemon thread until `stop`."""

    def __init__(self, port: int = None):
        self.port = port or free_port()
        self.base_url = f'http://{LOOPBACK}:{self.port}'
        self._server = None

    def start(self) -> 'ServedApp':
        from chalice.cli.factory import CLIFactory
        from chalice.local import ChaliceRequestHandler, create_local_server

        class QuietHandler(ChaliceRequestHandler):
            def log_message(self, *args):  # one stderr line per request is noise here
                pass

        config = CLIFactory(project_dir=str(ROOT), environ=os.environ).create_config_obj(chalice_stage_name=STAGE)
        app_object = config.chalice_app  # imports app.py, as `chalice local` does
        local = create_local_server(app_object, config, LOOPBACK, self.port)
        local.server.RequestHandlerClass = functools.partial(QuietHandler, app_object=app_object, config=config)
        self._server = local.server
        threading.Thread(target=self._server.serve_forever, name='chalice-local', daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# -- AWS calls --------------------------------------------------------------------------------
@dataclass
class AwsUse:
    """The AWS calls of one request, by 'service.Operation', and DynamoDB's capacity units."""
    calls: Counter = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0

    def count(self, service: str) -> int:
        return sum(n for name, n in self.calls.items() if name.startswith(service + '.'))


class AwsCallCounter:
    """Counts every call made through the app's botocore clients, with botocore's event hooks.

    One request runs at a time, so what was counted since `take` belongs to the request that
    just answered. Capacity units are DynamoDB Local's own figures (ConsumedCapacity, which
    PynamoDB asks for on every call); a call that failed reports none, so it is charged as
    DynamoDB charges a failed conditional write: one unit an item, two in a transaction."""

    def __init__(self):
        self._lock = threading.Lock()
        self._use = AwsUse()

    def attach(self, clients) -> None:
        """Hooks the clients; a client already hooked is left as it is (same unique ids)."""
        for client in clients:
            events = client.meta.events
            events.register('before-parameter-build.dynamodb', _ask_for_capacity, unique_id='bench-capacity')
            events.register('before-call', self._before_call, unique_id='bench-count')
            events.register('after-call', self._after_call, unique_id='bench-units')

    def take(self) -> AwsUse:
        with self._lock:
            use, self._use = self._use, AwsUse()
        return use

    def _before_call(self, model, context, **_):
        with self._lock:
            self._use.calls[f'{model.service_model.service_name}.{model.name}'] += 1

    def _after_call(self, parsed, model, context, **_):
        if model.service_model.service_name != 'dynamodb':
            return
        consumed = parsed.get('ConsumedCapacity')
        consumed = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        units = sum(float(c.get('CapacityUnits') or 0) for c in consumed)
        if not consumed:
            items = context.get('bench_items', 1)
            units = items * (2 if model.name.startswith('Transact') else 1)
        with self._lock:
            if model.name in DYNAMODB_WRITES:
                self._use.write_units += units
            else:
                self._use.read_units += units


def _ask_for_capacity(params, model, context, **_):
    # Only where the app did not ask already (PynamoDB always does): for clients other than its.
    if 'ReturnConsumedCapacity' in model.input_shape.members:
        params.setdefault('ReturnConsumedCapacity', 'TOTAL')
    context['bench_items'] = len(params.get('TransactItems') or ()) or 1


def app_clients() -> list:
    """The botocore clients the app uses now: each table model's and the S3 client."""
    from pynamodb.models import Model

    from chalicelib import models, providers
    tables = [value for value in vars(models).values()
              if isinstance(value, type) and issubclass(value, Model) and value is not Model]
    clients = {id(c): c for c in [t._get_connection().connection.client for t in tables] + [providers.s3()]}
    return list(clients.values())


# -- all of it together -----------------------------------------------------------------------
class Engines:
    """DynamoDB Local, moto's S3 server, the fake model and the app; a context manager."""

    def __init__(self):
        self.model = BenchModel()
        self.aws = AwsCallCounter()
        self.app = ServedApp()
        self.dynamodb = self.s3 = None
        self._stack = ExitStack()

    def __enter__(self) -> 'Engines':
        try:
            self.dynamodb = self._stack.enter_context(DynamoDBLocal())
            self.s3 = self._stack.enter_context(S3Local())
            self._stack.callback(self.model.stop)
            self.model.start()
            configure(self.dynamodb.endpoint, self.s3.endpoint, self.model.base_url)
            self._stack.callback(self.app.stop)
            self.app.start()
            from scripts.bootstrap import ensure_bucket, ensure_tables
            ensure_tables()
            ensure_bucket()
            self.aws.attach(app_clients())
            self.aws.take()  # the bootstrap's calls are nobody's
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def describe(self) -> dict:
        from importlib.metadata import version
        return {'dynamodb': f'DynamoDB Local ({self.dynamodb.jar_dir.name}) at {self.dynamodb.endpoint}',
                's3': f'moto {version("moto")} server at {self.s3.endpoint}',
                'app': f'chalice {version("chalice")} local dev server, in-process, at {self.app.base_url}',
                'model': f'fake OpenAI-compatible server at {self.model.base_url} (openai {version("openai")})',
                'speech': 'fake synthesizer handed in with providers.override'}

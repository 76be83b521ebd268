"""`make load`: many simulated candidates against a private local stack, then a data audit.

Starts its own DynamoDB Local (in memory), S3 stand-in and `chalice local`, all on free
ports, so the data of `make run` is never touched. Simulated users register, log in, load
the chat page and answer questions concurrently until their daily limit (429) or the time
is up. Then every table is read back through chalicelib's models to check that nothing a
client was told had succeeded is missing or stored twice, and that the counters agree.

It is not a pass/fail test: it prints figures (and writes them to .local/load-report.json).
It exits 1 only when data was lost or duplicated, counts disagree, or the stack did not run.

    .venv/bin/python -m scripts.load_test [--users 40] [--concurrency 20] [--seconds 60]
        [--daily-limit 6] [--speech none|espeak] [--timeout 30] [--seed 1] [--no-warmup]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import math
import os
import random
import secrets
import shutil
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

from scripts.bootstrap import stage_environment
from scripts.local_stack import (LOCAL_DIR, LOOPBACK, ROOT, ChaliceLocal, DynamoDBLocal, S3Local, Stop,
                                 handle_stop_signals, mark_stopping)

STAGE = 'local'
REPORT_PATH = LOCAL_DIR / 'load-report.json'
CHAT_PATH = '/api/chat/gpt/'
PASSWORD = 'load-test-password'
WRONG_PASSWORD = 'not-the-password'
# Used only when GET /api/topics/ cannot be read; the offline interviewer's built-in banks.
FALLBACK_TOPICS = ['backend', 'frontend', 'behavioral', 'system-design', 'devops-cloud',
                   'data-ml', 'mobile', 'product-pm', 'general']
PAIR_SHARE = 0.10  # share of turns sent as two answers at once, to exercise the busy guard
ANSWER_CHARS = (60, 300)  # a tag plus filler, trimmed: always within 50-300 characters
SETTLE_SECONDS = 5.0  # after requests with unknown outcomes, let the server finish them
PROBLEMS_SHOWN = 15

REGISTER = 'POST /api/user/register/'
LOGIN_WRONG = 'POST /api/user/login/ (wrong password)'
LOGIN = 'POST /api/user/login/'
HISTORY = 'GET /api/chat/gpt/'
START = 'POST /api/chat/gpt/ (topic)'
ANSWER = 'POST /api/chat/gpt/ (answer)'
ENDPOINTS = [REGISTER, LOGIN_WRONG, LOGIN, HISTORY, START, ANSWER]

# Mixed Korean and English, so UTF-8 round trips are exercised under load too.
ANSWER_PHRASES = [
    '인덱스는 B-tree로 조회를 빠르게 하지만 쓰기 비용이 늘어납니다.',
    '트랜잭션 격리 수준과 락, MVCC의 차이를 설명하겠습니다.',
    '캐시는 TTL과 무효화 전략이 중요하고, 일관성과 성능을 맞바꿉니다.',
    '장애가 나면 먼저 영향 범위를 확인하고 롤백 여부를 결정합니다.',
    'I would measure first, then remove the bottleneck with the smallest change.',
    'The trade-off is latency against consistency, decided by what the user notices.',
    'I split the work into small reviewed steps and kept the team informed daily.',
    'Retries need idempotency keys, timeouts and backoff with jitter.',
]


# -- options ---------------------------------------------------------------------------------
def parse_options(argv: Optional[list] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python -m scripts.load_test',
        description='Load the API with simulated interview candidates on a private local stack, '
                    'then check that no data was lost or duplicated.')
    parser.add_argument('--users', type=_positive, default=40, help='simulated users (default 40)')
    parser.add_argument('--concurrency', type=_positive, default=20,
                        help='users active at the same time (default 20)')
    parser.add_argument('--seconds', type=_positive, default=60,
                        help='wall time for the load, after which users stop (default 60)')
    parser.add_argument('--daily-limit', type=_positive, default=6,
                        help='DAILY_CHAT_LIMIT of the server (default 6)')
    parser.add_argument('--speech', choices=['none', 'espeak'], default='none',
                        help='spoken replies: none (default) or espeak (needs espeak-ng and lame)')
    parser.add_argument('--timeout', type=_positive, default=30,
                        help='seconds one HTTP request may take (default 30)')
    parser.add_argument('--seed', type=int, default=1, help='seed of the users\' choices (default 1)')
    parser.add_argument('--no-warmup', dest='warmup', action='store_false',
                        help='skip the one unmeasured user run before the load, so the figures '
                             'include the server\'s cold start')
    return parser.parse_args(argv)


def _positive(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise argparse.ArgumentTypeError(f'{raw} is not a positive whole number')
    return value


# -- signals ---------------------------------------------------------------------------------
class StackFailed(Exception):
    """The local stack could not be started; reported in one line."""


def _say(message: str) -> None:
    print(f'[load] {message}', flush=True)


# -- the stack ---------------------------------------------------------------------------------
@dataclass
class Stack:
    base_url: str
    port: int
    server_log: Path
    engines: dict


def start_stack(stack: contextlib.ExitStack, options: argparse.Namespace) -> Stack:
    """DynamoDB Local, S3 and `chalice local`, each stopped by `stack` when it closes."""
    if options.speech == 'espeak':
        missing = [tool for tool in ('espeak-ng', 'lame') if shutil.which(tool) is None]
        if missing:
            raise StackFailed(f'--speech espeak needs {" and ".join(missing)} on PATH')
    _say('starting DynamoDB Local (in memory) and S3 on free ports ...')
    dynamodb = DynamoDBLocal()  # no data_dir: in memory, gone when it stops
    stack.callback(dynamodb.stop)
    s3 = S3Local()
    stack.callback(s3.stop)
    try:
        dynamodb.start()
        s3.start()
    except RuntimeError as error:
        raise StackFailed(str(error)) from None
    _point_at_local_services(dynamodb.endpoint, s3.endpoint)
    _create_tables_and_bucket()
    return _start_api(stack, options)


def _point_at_local_services(dynamodb_endpoint: str, s3_endpoint: str) -> None:
    # Before chalicelib is imported: its models read table names and endpoints at import.
    os.environ.update(stage_environment(STAGE))
    os.environ.update({
        'AWS_ENDPOINT_URL_DYNAMODB': dynamodb_endpoint,
        'AWS_ENDPOINT_URL_S3': s3_endpoint,
        'AWS_ACCESS_KEY_ID': 'local',
        'AWS_SECRET_ACCESS_KEY': 'local',
        'AWS_DEFAULT_REGION': 'us-east-1',
        'AWS_REGION': 'us-east-1',
    })
    # A developer's profile or session token must not leak into requests to the stand-ins.
    for name in ('AWS_PROFILE', 'AWS_SESSION_TOKEN'):
        os.environ.pop(name, None)


def _create_tables_and_bucket() -> None:
    from scripts.bootstrap import ensure_bucket, ensure_tables
    try:
        ensure_tables()
        ensure_bucket()
    except Exception as error:
        raise StackFailed(f'creating the tables and bucket failed: {error}') from None


def _server_environment(options: argparse.Namespace) -> dict:
    env = dict(os.environ)
    env.pop('OPENAI_API_KEY', None)  # the load test never calls a paid model
    env.update({
        'BCRYPT_ROUNDS': '4',  # hashing cost is not what this measures
        'INTERVIEWER_PROVIDER': 'offline',
        'SPEECH_PROVIDER': options.speech,
        'DAILY_CHAT_LIMIT': str(options.daily_limit),
        # Abuse limits so high that the load is never throttled by design.
        'REGISTRATION_LIMIT_PER_IP': '1000000',
        'LOGIN_FAILURE_LIMIT': '1000000',
        'MODEL_CALLS_PER_DAY': '1000000',
    })
    return env


def _start_api(stack: contextlib.ExitStack, options: argparse.Namespace) -> Stack:
    server = ChaliceLocal(_server_environment(options), stage=STAGE, log_name='load-chalice')
    _say(f'starting chalice local on port {server.port} (log: {server.log_path.relative_to(ROOT)}) ...')
    try:
        stack.enter_context(server)
    except RuntimeError as error:
        raise StackFailed(str(error)) from None
    return Stack(server.endpoint, server.port, server.log_path, server.health())


def read_topics(base_url: str) -> list:
    """The built-in topic ids the server offers, so users pick real ones."""
    try:
        with urllib.request.urlopen(base_url + '/api/topics/', timeout=5) as response:
            ids = [topic['id'] for topic in json.loads(response.read())['topics']]
    except (OSError, ValueError, KeyError, TypeError):
        return FALLBACK_TOPICS
    return ids or FALLBACK_TOPICS


# -- HTTP ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    status: Optional[int]  # None: no HTTP answer (connection refused or reset, timeout)
    body: dict
    transport_error: Optional[str] = None

    @property
    def outcome_unknown(self) -> bool:
        """The client cannot tell whether the server stored anything."""
        return self.status is None or self.status >= 500


class Metrics:
    """Responses by status, latencies and transport errors per endpoint; shared by all threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.statuses: dict = defaultdict(Counter)
        self.latencies: dict = defaultdict(list)
        self.transport_errors: dict = defaultdict(Counter)

    def record_response(self, endpoint: str, status: int, seconds: float) -> None:
        with self._lock:
            self.statuses[endpoint][status] += 1
            self.latencies[endpoint].append(seconds)

    def record_transport_error(self, endpoint: str, kind: str) -> None:
        with self._lock:
            self.transport_errors[endpoint][kind] += 1

    def total_requests(self) -> int:
        with self._lock:
            answered = sum(sum(c.values()) for c in self.statuses.values())
            failed = sum(sum(c.values()) for c in self.transport_errors.values())
        return answered + failed


class Client:
    """Plain http.client requests to the API on the loopback interface."""

    def __init__(self, port: int, timeout: float, metrics: Metrics) -> None:
        self.port = port
        self.timeout = timeout
        self.metrics = metrics

    def call(self, endpoint: str, method: str, path: str, body: Optional[dict] = None,
             token: Optional[str] = None) -> Reply:
        headers = {'Accept': 'application/json'}
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode('utf-8')
            headers['Content-Type'] = 'application/json'
        if token:
            headers['Authorization'] = f'Token {token}'
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
        started = time.monotonic()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:  # resets, refusals, timeouts
            self.metrics.record_transport_error(endpoint, type(error).__name__)
            return Reply(None, {}, type(error).__name__)
        finally:
            connection.close()
        self.metrics.record_response(endpoint, response.status, time.monotonic() - started)
        return Reply(response.status, _json_object(raw))


def _json_object(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def in_parallel(*calls: Callable[[], Reply]) -> list:
    """Runs the calls at the same moment, one thread each; their replies, in order."""
    replies = [Reply(None, {}, 'not run')] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int, call: Callable[[], Reply]) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)  # released together, so the requests really overlap
        replies[index] = call()

    threads = [threading.Thread(target=run, args=(index, call), daemon=True)
               for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


# -- one simulated user ----------------------------------------------------------------------
@dataclass(frozen=True)
class Chat:
    """A chat POST that got 200: what the client was promised is stored."""
    interview_id: str
    response: str
    answer: Optional[str]  # None for the POST that started the interview


@dataclass
class UserLog:
    name: str  # the user's number in the run, or "warmup"
    username: str
    registered: bool = False
    chats: list = field(default_factory=list)
    refused_answers: list = field(default_factory=list)  # a definite 4xx: must not be stored
    unknown_chats: int = 0  # chat POSTs with no definite outcome: may or may not be stored
    malformed_chats: int = 0  # a 200 without interview_id or response
    replies_with_audio: int = 0
    pairs: Counter = field(default_factory=Counter)
    stopped_by: str = 'not started'


class SimulatedUser:
    """One candidate's session, the way the frontend drives the API."""

    def __init__(self, client: Client, log: UserLog, rng: random.Random, topics: list,
                 may_continue: Callable[[], bool], max_chat_posts: int) -> None:
        self.client = client
        self.log = log
        self.rng = rng
        self.topics = topics
        self.may_continue = may_continue
        self.max_chat_posts = max_chat_posts
        self.token: Optional[str] = None
        self.chat_posts = 0
        self.answers_sent = 0

    def run(self) -> UserLog:
        if not self.may_continue():
            self.log.stopped_by = 'time (never started)'
            return self.log
        steps = (self._register, self._fail_login, self._login, self._load_chat_page, self._interview)
        for step in steps:
            if not self.may_continue():
                self.log.stopped_by = 'time'
                break
            if not step():
                break
        return self.log

    def _register(self) -> bool:
        reply = self.client.call(REGISTER, 'POST', '/api/user/register/', {
            'username': self.log.username, 'email': f'{self.log.username}@load.example.com',
            'password': PASSWORD, 'password2': PASSWORD})
        self.log.registered = reply.status == 201
        return self._continue_if(self.log.registered, 'register failed', reply)

    def _fail_login(self) -> bool:
        self.client.call(LOGIN_WRONG, 'POST', '/api/user/login/',
                         {'username': self.log.username, 'password': WRONG_PASSWORD})
        return True  # only counted: whatever it answers, the session goes on to the real login

    def _login(self) -> bool:
        reply = self.client.call(LOGIN, 'POST', '/api/user/login/',
                                 {'username': self.log.username, 'password': PASSWORD})
        self.token = reply.body.get('Token') if reply.status == 200 else None
        return self._continue_if(isinstance(self.token, str), 'login failed', reply)

    def _load_chat_page(self) -> bool:
        # The frontend sends two of these at once on every page load.
        get = lambda: self.client.call(HISTORY, 'GET', CHAT_PATH, token=self.token)  # noqa: E731
        in_parallel(get, get)
        return True

    def _interview(self) -> bool:
        needs_start = True
        # The limit should end the loop; the cap keeps requests bounded even if it did not hold.
        while self.chat_posts < self.max_chat_posts:
            if not self.may_continue():
                self.log.stopped_by = 'time'
                return False
            if needs_start:
                reply = self._start()
                if reply.status != 200:
                    return self._stop_after(reply)
                needs_start = False
                continue
            replies = self._answer_pair() if self.rng.random() < PAIR_SHARE else [self._answer()]
            if any(reply.status == 429 for reply in replies):
                self.log.stopped_by = 'limit'
                return False
            if any(_interview_finished(reply) for reply in replies):
                needs_start = True
            elif all(reply.status not in (200, 409) and not reply.outcome_unknown for reply in replies):
                return self._stop_after(replies[0])
        self.log.stopped_by = 'request cap'
        return False

    def _start(self) -> Reply:
        return self._chat(START, {'interview_topic': self.rng.choice(self.topics)}, None)

    def _answer(self) -> Reply:
        answer = self._new_answer()
        return self._chat(ANSWER, {'user_input': answer}, answer)

    def _answer_pair(self) -> list:
        answers = [self._new_answer(), self._new_answer()]
        self.chat_posts += len(answers)
        replies = in_parallel(*[lambda answer=answer: self._post(ANSWER, {'user_input': answer})
                                for answer in answers])
        # Recorded here, on the user's own thread, so the log is never written by two threads.
        for reply, answer in zip(replies, answers):
            self._remember(reply, answer)
        self.log.pairs['+'.join(sorted(str(r.status or r.transport_error) for r in replies))] += 1
        return replies

    def _chat(self, endpoint: str, body: dict, answer: Optional[str]) -> Reply:
        self.chat_posts += 1
        reply = self._post(endpoint, body)
        self._remember(reply, answer)
        return reply

    def _post(self, endpoint: str, body: dict) -> Reply:
        return self.client.call(endpoint, 'POST', CHAT_PATH, body, self.token)

    def _remember(self, reply: Reply, answer: Optional[str]) -> None:
        if reply.status == 200:
            interview_id, response = reply.body.get('interview_id'), reply.body.get('response')
            if isinstance(interview_id, str) and isinstance(response, str):
                self.log.chats.append(Chat(interview_id, response, answer))
                self.log.replies_with_audio += bool(reply.body.get('audio_url'))
            else:
                self.log.malformed_chats += 1
        elif reply.outcome_unknown:
            self.log.unknown_chats += 1
        elif answer is not None:
            self.log.refused_answers.append(answer)

    def _new_answer(self) -> str:
        # The tag makes every answer unique, so each can be found exactly once in storage.
        self.answers_sent += 1
        text = f'[{self.log.username} #{self.answers_sent}]'
        length = self.rng.randint(*ANSWER_CHARS)
        while len(text) < length:
            text += ' ' + self.rng.choice(ANSWER_PHRASES)
        return text[:length].rstrip()

    def _continue_if(self, ok: bool, reason: str, reply: Reply) -> bool:
        return True if ok else self._stop_after(reply, reason)

    def _stop_after(self, reply: Reply, reason: str = 'chat failed') -> bool:
        self.log.stopped_by = f'{reason} ({reply.status or reply.transport_error})'
        return False


def _interview_finished(reply: Reply) -> bool:
    # 409 is also the answer to a concurrent turn ("being processed"); only this one needs a new interview.
    return reply.status == 409 and 'finished' in str(reply.body.get('error', ''))


# -- the load ----------------------------------------------------------------------------------
@dataclass
class LoadResult:
    logs: list
    seconds: float
    warmup: Optional[UserLog] = None
    warmup_seconds: float = 0.0


def warm_up(stack_info: Stack, options: argparse.Namespace, run_id: str, topics: list,
            stop: threading.Event) -> tuple:
    """One user's whole session, alone and unmeasured, before the clock starts.

    The server builds each table's botocore client on first use, and many first requests
    at once all build their own (seconds of CPU); one user first keeps that out of the figures.
    """
    started = time.monotonic()
    deadline = started + options.seconds
    client = Client(stack_info.port, options.timeout, Metrics())  # its figures are dropped
    log = _new_user(client, options, run_id, 'warmup', topics,
                    lambda: not stop.is_set() and time.monotonic() < deadline).run()
    return log, time.monotonic() - started


def _new_user(client: Client, options: argparse.Namespace, run_id: str, name: str, topics: list,
              may_continue: Callable[[], bool]) -> SimulatedUser:
    log = UserLog(name, f'load_{run_id}_{name}')
    # Each user has its own seeded generator, so a run's choices do not depend on thread timing.
    return SimulatedUser(client, log, random.Random(f'{options.seed}-{name}'), topics, may_continue,
                         max_chat_posts=options.daily_limit * 2 + 10)


def run_load(stack_info: Stack, options: argparse.Namespace, metrics: Metrics,
             stop: threading.Event, stack: contextlib.ExitStack) -> LoadResult:
    run_id = secrets.token_hex(3)
    topics = read_topics(stack_info.base_url)
    warmup, warmup_seconds = None, 0.0
    if options.warmup:
        warmup, warmup_seconds = warm_up(stack_info, options, run_id, topics, stop)
        _say(f'warm-up: one user\'s session alone took {warmup_seconds:.1f} s (not measured)')
    client = Client(stack_info.port, options.timeout, metrics)
    started = time.monotonic()
    deadline = started + options.seconds
    may_continue = lambda: not stop.is_set() and time.monotonic() < deadline  # noqa: E731
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=options.concurrency,
                                                 thread_name_prefix='user')
    # Registered last, so on Ctrl-C it runs first: no new users start while the servers stop.
    stack.callback(pool.shutdown, wait=False, cancel_futures=True)
    stack.callback(stop.set)
    _say(f'run {run_id}: {options.users} users, {options.concurrency} at a time, '
         f'at most {options.seconds} s; topics: {", ".join(topics)}')
    futures = [pool.submit(_new_user(client, options, run_id, str(index), topics, may_continue).run)
               for index in range(options.users)]
    _wait_with_progress(futures, metrics, started)
    return LoadResult([future.result() for future in futures], time.monotonic() - started,
                      warmup, warmup_seconds)


def _wait_with_progress(futures: list, metrics: Metrics, started: float) -> None:
    pending = set(futures)
    while pending:
        _, pending = concurrent.futures.wait(pending, timeout=5)
        if pending:
            _say(f'{time.monotonic() - started:5.1f} s: {len(futures) - len(pending)}/{len(futures)} '
                 f'users done, {metrics.total_requests()} requests')


# -- verification ------------------------------------------------------------------------------
@dataclass
class Verification:
    users: int = 0
    interviews: int = 0
    messages: int = 0
    lost: int = 0
    duplicated: int = 0
    mismatches: int = 0
    users_with_unknown_outcomes: int = 0
    problems: list = field(default_factory=list)

    def add(self, kind: str, count: int, detail: str) -> None:
        setattr(self, kind, getattr(self, kind) + count)
        self.problems.append(f'{kind}: {detail}')

    @property
    def clean(self) -> bool:
        return self.lost == self.duplicated == self.mismatches == 0


def verify(logs: list) -> Verification:
    """Reads DynamoDB Local directly and compares it with what every client was told."""
    result = Verification()
    for log in logs:
        if log.registered:
            _verify_user(log, result)
    return result


def _verify_user(log: UserLog, result: Verification) -> None:
    from chalicelib.models import InterviewModel, MessageModel, UsageModel, UsernameModel, UserModel
    try:  # the username is a lookup; everything the account owns is keyed by its user_id
        key = UsernameModel.get(log.username.lower(), consistent_read=True).user_id
        UserModel.get(key, consistent_read=True)
    except (UsernameModel.DoesNotExist, UserModel.DoesNotExist):
        result.add('lost', 1, f'{log.username} was registered (201) but has no user item')
        return
    result.users += 1
    result.users_with_unknown_outcomes += bool(log.unknown_chats)
    if log.malformed_chats:
        result.add('mismatches', log.malformed_chats,
                   f'{log.username}: {log.malformed_chats} chat 200s without interview_id or response')
    stored_chats = sum(int(u.chats or 0) for u in UsageModel.query(key, consistent_read=True))
    interviews = {i.interview_id: i for i in InterviewModel.query(key, consistent_read=True)}
    messages = {interview_id: list(MessageModel.query(interview_id, consistent_read=True))
                for interview_id in interviews}
    for interview_id, interview in interviews.items():
        result.interviews += 1
        result.messages += len(messages[interview_id])
        _check_interview_shape(f'{log.username}/{interview_id}', interview, messages[interview_id], result)
    _check_chat_count(log, stored_chats, messages, result)
    _check_replies(log, messages, result)
    _check_answers(log, messages, result)


def _check_interview_shape(name: str, interview, messages: list, result: Verification) -> None:
    seqs = [int(m.seq) for m in messages]
    if seqs != list(range(len(seqs))):
        result.add('mismatches', 1, f'{name}: seqs are {seqs}, not 0..{len(seqs) - 1}')
    if int(interview.next_seq) != len(messages):
        result.add('mismatches', 1, f'{name}: next_seq {interview.next_seq} but {len(messages)} messages')
    answers = sum(1 for m in messages if m.role == 'user')
    if int(interview.turns) != answers:
        result.add('mismatches', 1, f'{name}: turns {interview.turns} but {answers} user messages')
    # An assistant opening, then user/assistant pairs (the load never answers before a question).
    roles = [m.role for m in messages]
    expected = ['assistant' if i % 2 == 0 else 'user' for i in range(len(roles))]
    if not roles or roles != expected:
        result.add('mismatches', 1, f'{name}: roles out of order: {roles}')
    if roles and roles[-1] == 'user':
        result.add('lost', 1, f'{name}: the last answer has no assistant reply after it')


def _check_chat_count(log: UserLog, stored_chats: int, messages: dict, result: Verification) -> None:
    seen, unknown = len(log.chats), log.unknown_chats
    if not seen <= stored_chats <= seen + unknown:
        extra = f' (+{unknown} with unknown outcome)' if unknown else ''
        result.add('mismatches', 1, f'{log.username}: usage says {stored_chats} chats today, '
                                    f'the client saw {seen} succeed{extra}')
    replies = sum(1 for ms in messages.values() for m in ms if m.role == 'assistant')
    if replies != stored_chats:
        result.add('mismatches', 1, f'{log.username}: {replies} interviewer replies stored '
                                    f'but usage counts {stored_chats} chats')
    if replies > seen + unknown:  # every stored reply is one chat some client was answered for
        result.add('duplicated', replies - seen - unknown,
                   f'{log.username}: {replies} replies stored for {seen} successful chats')


def _check_replies(log: UserLog, messages: dict, result: Verification) -> None:
    received = defaultdict(Counter)
    for chat in log.chats:
        received[chat.interview_id][chat.response] += 1
    for interview_id, texts in received.items():
        stored = Counter(m.content for m in messages.get(interview_id, []) if m.role == 'assistant')
        missing = texts - stored
        if missing:
            where = interview_id if interview_id in messages else f'{interview_id} (no such interview)'
            result.add('lost', sum(missing.values()),
                       f'{log.username}/{where}: {sum(missing.values())} replies received but not stored')


def _check_answers(log: UserLog, messages: dict, result: Verification) -> None:
    anywhere = Counter(m.content for ms in messages.values() for m in ms if m.role == 'user')
    for chat in log.chats:
        if chat.answer is None:
            continue
        here = sum(1 for m in messages.get(chat.interview_id, [])
                   if m.role == 'user' and m.content == chat.answer)
        if here == 0:
            result.add('lost', 1, f'{log.username}/{chat.interview_id}: answer {chat.answer[:40]!r} '
                                  'got 200 but is not stored there')
        if anywhere[chat.answer] > 1:
            result.add('duplicated', anywhere[chat.answer] - 1,
                       f'{log.username}: answer {chat.answer[:40]!r} stored {anywhere[chat.answer]} times')
    for answer in log.refused_answers:
        if anywhere[answer]:
            result.add('mismatches', 1, f'{log.username}: answer {answer[:40]!r} was refused but is stored')


# -- the report --------------------------------------------------------------------------------
def build_report(options: argparse.Namespace, stack_info: Stack, load: LoadResult,
                 metrics: Metrics, verification: Verification) -> dict:
    total = metrics.total_requests()
    return {
        'options': vars(options),
        'engines': stack_info.engines,
        'server_log': str(stack_info.server_log.relative_to(ROOT)),
        'seconds': round(load.seconds, 2),
        'warmup_seconds': round(load.warmup_seconds, 2) if load.warmup else None,
        'users': len(load.logs),
        'users_registered': sum(log.registered for log in load.logs),
        'requests': total,
        'requests_per_second': round(total / load.seconds, 1) if load.seconds else 0.0,
        'endpoints': {name: _endpoint_figures(metrics, name) for name in ENDPOINTS},
        'transport_errors': sum(sum(c.values()) for c in metrics.transport_errors.values()),
        'server_errors': sum(n for c in metrics.statuses.values() for s, n in c.items() if s >= 500),
        'concurrent_pairs': dict(sum((log.pairs for log in load.logs), Counter())),
        'users_stopped_by': dict(Counter(log.stopped_by for log in load.logs)),
        'successful_chats': sum(len(log.chats) for log in load.logs),
        'replies_with_audio': sum(log.replies_with_audio for log in load.logs),
        'verification': asdict(verification),
        'ok': verification.clean,
    }


def _endpoint_figures(metrics: Metrics, name: str) -> dict:
    latencies = sorted(metrics.latencies.get(name, []))
    return {
        'responses': sum(metrics.statuses[name].values()),
        'statuses': {str(status): n for status, n in sorted(metrics.statuses[name].items())},
        'transport_errors': dict(metrics.transport_errors[name]),
        'p50_ms': _percentile_ms(latencies, 0.50),
        'p95_ms': _percentile_ms(latencies, 0.95),
        'max_ms': _percentile_ms(latencies, 1.0),
    }


def _percentile_ms(ordered: list, fraction: float) -> Optional[float]:
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))  # nearest rank
    return round(ordered[rank - 1] * 1000, 1)


def print_summary(report: dict) -> None:
    print()
    _print_load_figures(report)
    _print_verification(report)
    if report['server_errors']:
        print(f"  5xx responses happened: see {report['server_log']}")
    print(f"Result: {'OK' if report['ok'] else 'DATA PROBLEMS'} (report: {REPORT_PATH.relative_to(ROOT)})")


def _print_load_figures(report: dict) -> None:
    options, engines = report['options'], report['engines']
    print(f"Load test: {report['users']} users ({report['users_registered']} registered), "
          f"concurrency {options['concurrency']}, daily limit {options['daily_limit']}, "
          f"speech {options['speech']}, engines {engines.get('llm')}/{engines.get('tts')}")
    if report['warmup_seconds'] is not None:
        print(f"  warm-up: one user alone took {report['warmup_seconds']:.1f} s before the clock "
              "(not in the figures)")
    print(f"  ran {report['seconds']:.1f} s: {report['requests']} requests, "
          f"{report['requests_per_second']} req/s; transport errors: {report['transport_errors']}; "
          f"5xx: {report['server_errors']}")
    print(f"  {'endpoint':<40} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  statuses")
    for name, figures in report['endpoints'].items():
        statuses = ' '.join(f'{s}:{n}' for s, n in figures['statuses'].items())
        errors = ' '.join(f'{kind}:{n}' for kind, n in figures['transport_errors'].items())
        latencies = ' '.join(_ms(figures[key]) for key in ('p50_ms', 'p95_ms', 'max_ms'))
        print(f"  {name:<40} {figures['responses']:>5} {latencies}  {statuses}"
              f"{'  errors ' + errors if errors else ''}")
    print(f"  successful chats: {report['successful_chats']}; concurrent answer pairs: "
          f"{_counts(report['concurrent_pairs'])}; users stopped by: {_counts(report['users_stopped_by'])}")
    if options['speech'] != 'none':
        print(f"  replies with an audio_url: {report['replies_with_audio']} of {report['successful_chats']}")


def _print_verification(report: dict) -> None:
    check = report['verification']
    warmup_note = ' (incl. the warm-up user)' if report['warmup_seconds'] is not None else ''
    unknown = check['users_with_unknown_outcomes']
    print(f"Verification: {check['users']} users{warmup_note}, {check['interviews']} interviews, "
          f"{check['messages']} messages checked; lost: {check['lost']}, duplicated: {check['duplicated']}, "
          f"count mismatches: {check['mismatches']}"
          + (f"; users with unknown outcomes: {unknown}" if unknown else ''))
    for problem in check['problems'][:PROBLEMS_SHOWN]:
        print(f'  - {problem}')
    if len(check['problems']) > PROBLEMS_SHOWN:
        print(f"  ... and {len(check['problems']) - PROBLEMS_SHOWN} more in {REPORT_PATH.relative_to(ROOT)}")


def _ms(value: Optional[float]) -> str:
    return f'{value:>8.1f}' if value is not None else f"{'-':>8}"


def _counts(counter: dict) -> str:
    return ', '.join(f'{key} {n}' for key, n in sorted(counter.items())) or 'none'


def write_report(report: dict) -> None:
    REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
    REPORT_PATH.write_text(json.dumps(report, indent=2, ensure_ascii=False) + '\n', encoding='utf-8')


# -- main --------------------------------------------------------------------------------------
def _run(options: argparse.Namespace, stack: contextlib.ExitStack, stop: threading.Event) -> int:
    stack_info = start_stack(stack, options)
    metrics = Metrics()
    load = run_load(stack_info, options, metrics, stop, stack)
    every_log = load.logs + ([load.warmup] if load.warmup else [])
    if any(log.unknown_chats for log in every_log):
        time.sleep(SETTLE_SECONDS)  # a request the client gave up on may still be finishing
    _say('load done; verifying the stored data ...')
    try:
        verification = verify(every_log)
    except Exception as error:  # DynamoDB Local died or answers nonsense: the stack did not run
        raise StackFailed(f'reading DynamoDB Local for the verification failed: {error!r}') from None
    report = build_report(options, stack_info, load, metrics, verification)
    write_report(report)
    print_summary(report)
    return 0 if report['ok'] else 1


def main(argv: Optional[list] = None) -> int:
    options = parse_options(argv)
    handle_stop_signals()
    stop = threading.Event()
    stack = contextlib.ExitStack()
    try:
        return _run(options, stack, stop)
    except Stop:
        print(flush=True)
        _say('interrupted; stopping everything ...')
        return 130
    except StackFailed as error:
        print(f'[load] error: {error}', file=sys.stderr, flush=True)
        return 1
    finally:
        mark_stopping()  # a late signal must not cut the clean-up short
        stop.set()
        stack.close()
        _say('stopped the API, S3 and DynamoDB Local')


if __name__ == '__main__':
    sys.exit(main())

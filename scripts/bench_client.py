"""The bench's HTTP client: one request at a time to the served app, each timed and paired with
what it cost (AWS calls, model calls, prompt size), as a `Sample`.

It speaks only the HTTP contract (docs/API.md). An audio_url is fetched the way a browser's
<audio> element would: no Authorization header, redirects followed, asked again while the
clip is not ready yet, until MP3 bytes come back.
"""
import time
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urljoin, urlsplit

import requests

from scripts.bench_engines import AwsUse, app_clients

PASSWORD = 'violet harbor lantern 42'  # strong enough for the app's zxcvbn check
READY_STATUSES = {202, 409, 425, 429}  # answers that mean "the clip is on its way"; others are final
AUDIO_WAIT_SECONDS = 15.0


@dataclass
class Sample:
    """One request: its answer, how long it took, and what it cost."""
    status: int
    ms: float
    body: object = None
    aws: AwsUse = field(default_factory=AwsUse)
    model_calls: int = 0
    prompt_chars: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    via_api: bool = True  # served by the app (a Lambda invocation), not only by S3
    s3_gets: int = 0  # GETs the client itself sent to S3 (an audio_url, presigned or redirected to)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class BenchFailure(Exception):
    """The app answered something the bench cannot go on from (a contract broke, not a timing)."""


class Client:
    """Requests to the app at `base_url`; with an AwsCallCounter and a BenchModel, what each cost."""

    def __init__(self, base_url: str, aws=None, model=None):
        self.base_url = base_url
        self.aws = aws
        self.model = model
        self.http = requests.Session()
        self.http.trust_env = False  # a developer's HTTP(S)_PROXY must not see loopback requests

    def call(self, method: str, path: str, body: Optional[dict] = None, token: Optional[str] = None) -> Sample:
        headers = {'Authorization': f'Token {token}'} if token else {}
        self._start()
        before = self._model_usage()
        started = time.perf_counter()
        response = self.http.request(method, self.base_url + path, json=body, headers=headers, timeout=60)
        ms = (time.perf_counter() - started) * 1000
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return self._sample(response.status_code, ms, parsed, before)

    def fetch_audio(self, url: str) -> Sample:
        """GET an audio_url until it answers MP3 bytes (or plainly fails, or time runs out)."""
        absolute = urljoin(self.base_url + '/', url)
        via_api = urlsplit(absolute).netloc == urlsplit(self.base_url).netloc
        self._start()
        before = self._model_usage()
        started = time.perf_counter()
        while True:
            response = self.http.get(absolute, timeout=60)
            waited = time.perf_counter() - started
            if is_mp3(response) or response.status_code not in READY_STATUSES or waited > AUDIO_WAIT_SECONDS:
                break
            time.sleep(min(_retry_after(response), 1.0))
        ms = (time.perf_counter() - started) * 1000
        sample = self._sample(response.status_code if is_mp3(response) else 599, ms, None, before)
        sample.via_api = via_api
        sample.s3_gets = int(urlsplit(response.url).netloc != urlsplit(self.base_url).netloc)
        return sample

    def signup(self, username: str) -> tuple:
        """(register sample, login sample, token)."""
        registered = self.call('POST', '/api/user/register/',
                               {'username': username, 'email': f'{username}@example.com', 'password': PASSWORD})
        expect(registered, 'register')
        logged_in = self.call('POST', '/api/user/login/', {'username': username, 'password': PASSWORD})
        expect(logged_in, 'login')
        return registered, logged_in, logged_in.body['Token']

    def _start(self) -> None:
        if self.aws is not None:
            self.aws.attach(app_clients())  # a client the app made since is hooked too
            self.aws.take()  # anything counted between requests is nobody's

    def _model_usage(self) -> tuple:
        return self.model.usage() if self.model is not None else (0, 0, 0, 0)

    def _sample(self, status: int, ms: float, body, before: tuple) -> Sample:
        calls, chars, tokens_in, tokens_out = (a - b for a, b in zip(self._model_usage(), before))
        aws = self.aws.take() if self.aws is not None else AwsUse()
        return Sample(status, ms, body, aws, calls, chars, tokens_in, tokens_out)


def expect(sample: Sample, what: str) -> Sample:
    if not sample.ok:
        raise BenchFailure(f'{what} answered {sample.status}: {str(sample.body)[:300]}')
    return sample


def is_mp3(response) -> bool:
    head = response.content[:3] if response.status_code == 200 else b''
    return head == b'ID3' or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _retry_after(response) -> float:
    try:
        return max(0.05, float(response.headers.get('Retry-After', 0.05)))
    except ValueError:
        return 0.05

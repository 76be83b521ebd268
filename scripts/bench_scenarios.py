"""What `make bench` does to the served app, as sequences of requests through the HTTP contract:

- sessions: one new account after another goes through every route once (register to report),
  so each route is timed and costed on the data a new user has;
- speech: answers with the model at its realistic latency and speech off, at 0 ms and at 600 ms,
  timing the reply's text and the moment its audio can be played;
- one long interview: turn after turn of the original chat route, its time and prompt size as
  the interview grows.

Each returns the raw samples; bench_figures.py turns them into numbers.
"""
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

from scripts.bench_client import BenchFailure, expect
from scripts.bench_fakes import TimedSynthesizer

ROUTES = (
    'POST /api/user/register/', 'POST /api/user/login/', 'GET /api/user/me/',
    'POST /api/chat/gpt/ (start)', 'POST /api/chat/gpt/ (answer)', 'GET /api/chat/gpt/',
    'POST /api/interviews/', 'POST /api/interviews/{id}/messages/', 'GET /api/interviews/',
    'GET /api/interviews/{id}/', 'POST /api/interviews/{id}/report/', 'GET audio_url',
)
CHECKPOINTS = (1, 10, 40, 100, 300)


@dataclass(frozen=True)
class Latency:
    """How long the fakes take: the model per call, speech per clip (None: speech off)."""
    model_ms: int
    speech_ms: Optional[int]

    def describe(self) -> str:
        speech = 'speech off' if self.speech_ms is None else f'speech {self.speech_ms} ms'
        return f'model {self.model_ms} ms, {speech}'


INSTANT = Latency(0, 0)
REALISTIC = Latency(800, 600)  # a short gpt-4o-mini turn; gTTS for a two-sentence reply
SPEECH_CASES = (('off', None), ('0 ms', 0), ('600 ms', 600))


@contextmanager
def fakes_taking(engines, latency: Latency):
    from chalicelib import providers
    synthesizer = None if latency.speech_ms is None else TimedSynthesizer(latency.speech_ms / 1000)
    engines.model.latency_seconds = latency.model_ms / 1000
    try:
        with providers.override(synthesizer=synthesizer):
            yield
    finally:
        engines.model.latency_seconds = 0.0


def answer(n: int) -> str:
    return (f'Answer {n}: I would first measure p95 latency per endpoint, then add an index on the column '
            'the slow query filters on, and check that the write path can afford it before rolling it out.')


# -- every route, one new account at a time -------------------------------------------------
def sessions(client, engines, count: int, latency: Latency, tag: str) -> dict:
    """{route: [Sample]} from `count` sessions, after one unrecorded session that pays the
    first-use costs (imports, clients, connections): those belong to the cold start."""
    samples = defaultdict(list)
    with fakes_taking(engines, latency):
        _session(client, f'{tag}-warmup', defaultdict(list))
        for i in range(count):
            _session(client, f'{tag}-{i}', samples)
    return samples


def _session(client, username: str, samples: dict) -> None:
    def record(route, sample):
        samples[route].append(sample)
        return sample

    def hear(sample):  # fetch the reply's audio, as the page plays it at once
        url = (sample.body or {}).get('audio_url') if sample.ok else None
        if url:
            record('GET audio_url', client.fetch_audio(url))
        return sample

    registered, logged_in, token = client.signup(username)
    record('POST /api/user/register/', registered)
    record('POST /api/user/login/', logged_in)
    record('GET /api/user/me/', client.call('GET', '/api/user/me/', token=token))
    hear(record('POST /api/chat/gpt/ (start)',
                client.call('POST', '/api/chat/gpt/', {'interview_topic': 'backend'}, token)))
    hear(record('POST /api/chat/gpt/ (answer)',
                client.call('POST', '/api/chat/gpt/', {'user_input': answer(1)}, token)))
    record('GET /api/chat/gpt/', client.call('GET', '/api/chat/gpt/', token=token))
    created = hear(record('POST /api/interviews/',
                          client.call('POST', '/api/interviews/', {'topic': 'backend', 'language': 'en'}, token)))
    path = f"/api/interviews/{expect(created, 'POST /api/interviews/').body['interview']['id']}/"
    hear(record('POST /api/interviews/{id}/messages/',
                client.call('POST', path + 'messages/', {'user_input': answer(2)}, token)))
    record('GET /api/interviews/', client.call('GET', '/api/interviews/', token=token))
    record('GET /api/interviews/{id}/', client.call('GET', path, token=token))
    record('POST /api/interviews/{id}/report/', client.call('POST', path + 'report/', token=token))


# -- time to text and to audio ----------------------------------------------------------------
def speech(client, engines, count: int, model_ms: int, tag: str) -> dict:
    """{case: {'text_ms': [...], 'audio_ms': [... or None], 'errors': n}} for each speech case:
    answers in one interview each, the model taking `model_ms`. Audio time runs from sending
    the answer until its audio_url has given back the MP3."""
    results = {}
    for label, speech_ms in SPEECH_CASES:
        result = results[label] = {'text_ms': [], 'audio_ms': [], 'errors': 0}
        with fakes_taking(engines, Latency(model_ms, speech_ms)):
            _, _, token = client.signup(f'{tag}-speech-{label.replace(" ", "")}')
            created = expect(client.call('POST', '/api/interviews/', {'topic': 'backend', 'language': 'en'}, token),
                             'POST /api/interviews/')
            path = f"/api/interviews/{created.body['interview']['id']}/messages/"
            for n in range(count):
                replied = client.call('POST', path, {'user_input': answer(n)}, token)
                if not replied.ok:
                    result['errors'] += 1
                    continue
                result['text_ms'].append(replied.ms)
                url = replied.body.get('audio_url')
                fetched = client.fetch_audio(url) if url else None
                result['audio_ms'].append(replied.ms + fetched.ms if fetched and fetched.ok else None)
    return results


# -- one long interview -----------------------------------------------------------------------
def long_interview(client, engines, turns: int, tag: str) -> dict:
    """{'turns': [Sample per answer, turn 1 first], 'history': {turn: Sample of GET /api/chat/gpt/}}:
    one interview on the original chat route with instant fakes, so the time is the app's own."""
    checkpoints = sorted({c for c in CHECKPOINTS if c <= turns} | {turns})
    per_turn, history = [], {}
    with fakes_taking(engines, INSTANT):
        _, _, token = client.signup(f'{tag}-long')
        expect(client.call('POST', '/api/chat/gpt/', {'interview_topic': 'backend'}, token), 'chat start')
        for turn in range(1, turns + 1):
            sample = client.call('POST', '/api/chat/gpt/', {'user_input': answer(turn)}, token)
            if not sample.ok:
                raise BenchFailure(f'turn {turn} of the long interview answered {sample.status}: '
                                   f'{str(sample.body)[:300]}')
            per_turn.append(sample)
            if turn in checkpoints:
                history[turn] = client.call('GET', '/api/chat/gpt/', token=token)
    return {'turns': per_turn, 'history': history, 'checkpoints': checkpoints}

"""The stand-ins `make bench` puts behind the app: a model server whose every reply the app
accepts, and a speech engine, each taking a set latency (0, or what the real one takes).

The model is tests/fake_openai.py's server with its answers made here: a JSON question in the
interview's language that is never the same twice (the app refuses a repeated or nearly
repeated question, which would cost a second call and spoil the timing), or a report in the
shape the app checks. It counts what it received, so each request's prompt size and tokens
can be read around it.
"""
import hashlib
import json
import math
import re
import threading
import time

from tests.fake_openai import FakeOpenAI

HANGUL = re.compile(r'[\uac00-\ud7a3]')
DEFAULT_CRITERIA = ('relevance', 'depth', 'structure', 'communication')
# gTTS speaks about 15 characters a second at 32 kbit/s: ~270 bytes of MP3 per character.
MP3_BYTES_PER_CHAR = 270
MP3_HEADER = b'ID3\x04\x00\x00\x00\x00\x00\x00'

# Eight of 64 words picked per question: two questions sharing enough words to look alike to
# the app's near-repeat check (90% similar) would be a one-in-millions draw.
EN_WORDS = (
    'cache', 'index', 'queue', 'replica', 'shard', 'lock', 'timeout', 'retry', 'schema', 'partition',
    'latency', 'throughput', 'backpressure', 'idempotency', 'rollback', 'snapshot', 'quorum',
    'heartbeat', 'checksum', 'migration', 'tracing', 'failover', 'throttling', 'webhook', 'session',
    'token', 'cursor', 'pagination', 'compaction', 'deadlock', 'hotspot', 'fan-out', 'outbox', 'saga',
    'consensus', 'leader', 'follower', 'watermark', 'tombstone', 'bloom filter', 'write-ahead log',
    'connection pool', 'thread pool', 'garbage collection', 'memory leak', 'cold start', 'warm-up',
    'canary', 'blue-green deploy', 'feature flag', 'rate limiter', 'circuit breaker', 'bulkhead',
    'dead-letter queue', 'event log', 'read model', 'projection', 'materialized view',
    'secondary index', 'hash ring', 'vector clock', 'lease', 'fencing token', 'backfill')
KO_WORDS = (
    '캐시', '인덱스', '큐', '복제본', '샤드', '잠금', '타임아웃', '재시도', '스키마', '파티션', '지연시간',
    '처리량', '배압', '멱등성', '롤백', '스냅샷', '정족수', '하트비트', '체크섬', '마이그레이션', '분산추적',
    '장애조치', '스로틀링', '웹훅', '세션', '토큰', '커서', '페이지네이션', '압축', '교착상태', '핫스팟',
    '팬아웃', '아웃박스', '사가', '합의', '리더', '팔로워', '워터마크', '툼스톤', '블룸필터', '선행기록로그',
    '연결풀', '스레드풀', '가비지컬렉션', '메모리누수', '콜드스타트', '예열', '카나리배포', '블루그린배포',
    '기능플래그', '속도제한', '서킷브레이커', '격벽', '데드레터큐', '이벤트로그', '읽기모델', '프로젝션',
    '구체화뷰', '보조인덱스', '해시링', '벡터시계', '임대', '펜싱토큰', '백필')
QUESTION = {
    'en': 'Question {n}: with {0}, {1} and {2} in place, where would {3} or {4} break first, '
          'and how would {5}, {6} or {7} show it?',
    'ko': '{n}번째 질문입니다. {0}, {1}, {2}를 쓰는 시스템에서 {3}나 {4} 문제가 생기면 '
          '{5}, {6}, {7} 중 무엇부터 확인하시겠어요?',
}


def estimated_tokens(text: str) -> int:
    """About 4 ASCII characters, or 1 other character (a Hangul syllable), per token."""
    ascii_chars = sum(1 for c in text if c < '\x80')
    return math.ceil(ascii_chars / 4 + (len(text) - ascii_chars))


def question(n: int, language: str) -> dict:
    """The n-th question of the run, as the app asks a model to answer: reply and notes."""
    words = KO_WORDS if language == 'ko' else EN_WORDS
    digest = hashlib.sha256(f'bench question {n}'.encode()).digest()
    picks = [words[byte % len(words)] for byte in digest[:8]]
    return {'reply': QUESTION[language].format(*picks, n=n),
            'notes': f'Turn {n}: the answer named {picks[0]}; check how {picks[1]} is measured.'}


def report(criteria) -> dict:
    """A report in the shape the app validates, scoring exactly the criteria it was asked for."""
    return {
        'overall_score': 70,
        'criteria': [{'name': name, 'score': 70, 'reason': f'The answers on {name} named a measurement.'}
                     for name in criteria],
        'strengths': ['Named what to measure before changing anything.'],
        'improvements': [{'quote': 'I would add an index',
                          'suggestion': 'Say what the index costs on writes and how you would check it.'}],
        'questions': [{'question': 'How would you find a slow query?', 'answer_excerpt': 'I would add an index',
                       'suggested_outline': ['Symptom', 'Measurement', 'Change and check']}],
        'summary': 'Clear answers built on measurements; the trade-offs came late.',
    }


class BenchModel(FakeOpenAI):
    """The fake OpenAI-compatible server, answering every request validly after `latency_seconds`.

    `calls`, `prompt_chars` (all messages received), `tokens_in` and `tokens_out` only grow:
    read them before and after a request to get that request's share."""

    def __init__(self, latency_seconds: float = 0.0):
        super().__init__()
        self.latency_seconds = latency_seconds
        self.calls = self.prompt_chars = self.tokens_in = self.tokens_out = 0
        self._lock = threading.Lock()

    def usage(self) -> tuple:
        with self._lock:
            return self.calls, self.prompt_chars, self.tokens_in, self.tokens_out

    def handle(self, request):
        body = self.requests[-1]
        messages = body.get('messages') or []
        prompt = ''.join(_text(m.get('content')) for m in messages)
        system = _text(messages[0].get('content')) if messages else ''
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        with self._lock:
            self.calls += 1
            n = self.calls
        if 'overall_score' in system:  # only the report prompt shows the report's shape
            answer = report(_criteria_asked(body))
        else:
            answer = question(n, 'ko' if HANGUL.search(system) else 'en')
        content = json.dumps(answer, ensure_ascii=False)
        usage = {'prompt_tokens': estimated_tokens(prompt), 'completion_tokens': estimated_tokens(content)}
        usage['total_tokens'] = usage['prompt_tokens'] + usage['completion_tokens']
        with self._lock:
            self.prompt_chars += len(prompt)
            self.tokens_in += usage['prompt_tokens']
            self.tokens_out += usage['completion_tokens']
        self._send(request, 200, {
            'id': f'chatcmpl-bench-{n}', 'object': 'chat.completion', 'created': int(time.time()),
            'model': body.get('model', 'fake-model'),
            'choices': [{'index': 0, 'finish_reason': 'stop', 'message': {'role': 'assistant', 'content': content}}],
            'usage': usage})


def _text(content) -> str:
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def _criteria_asked(body: dict) -> list:
    """The criteria names the request's JSON schema allows; the usual four without a schema."""
    try:
        schema = body['response_format']['json_schema']['schema']
        return list(schema['properties']['criteria']['items']['properties']['name']['enum'])
    except (KeyError, TypeError):
        return list(DEFAULT_CRITERIA)


class TimedSynthesizer:
    """A speech engine with the real interface that takes `latency_seconds` per clip and returns
    about as many bytes as gTTS would for the text."""
    name = 'bench'

    def __init__(self, latency_seconds: float = 0.0):
        self.latency_seconds = latency_seconds

    def voice(self, language: str) -> str:
        return f'bench-{language}'

    def synthesize(self, text: str, language: str) -> bytes:
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        return MP3_HEADER + b'\xff' * (MP3_BYTES_PER_CHAR * len(text))

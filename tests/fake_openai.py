"""A fake OpenAI-compatible HTTP server on loopback, for testing the real SDK client code."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    """Serves POST /v1/chat/completions. Set `.mode` to 'ok', 'slow', '500', '429', 'malformed',
    'not-json' or 'empty'; every request body is kept in `.requests`.

    `.queue` scripts the next replies, one per request: a string (the content) or a dict with
    any of `content`, `finish_reason` ('length' for a reply cut at the token cap), `status`
    (an HTTP error status, with `message` and `headers`, e.g. Retry-After) and `delay` (seconds
    before answering). `.reject_formats` names response_format types the
    server answers with 400, as servers without structured output do."""

    def __init__(self):
        self.mode = 'ok'
        self.reply = 'Tell me about a project you are proud of?'
        self.queue = []  # replies served first, one per request, before falling back to `reply`
        self.finish_reason = 'stop'
        self.reject_formats = set()
        self.reject_status = 400  # llama.cpp's server answers 500 instead
        self.slow_seconds = 3.0
        self.requests = []
        self.headers = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                fake.requests.append(json.loads(self.rfile.read(length) or b'{}'))
                fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                fake.handle(self)

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f'http://127.0.0.1:{self.server.server_address[1]}/v1'

    def start(self):
        self.thread.start()
        return self

    @property
    def formats(self) -> list:
        """The response_format type of each request, None where none was asked for."""
        return [(r.get('response_format') or {}).get('type') for r in self.requests]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request):
        if self.mode == 'slow':
            time.sleep(self.slow_seconds)
        if self.mode == '500':
            return self._send(request, 500, {'error': {'message': 'internal error', 'type': 'server_error'}})
        if self.mode == '429':
            return self._send(request, 429, {'error': {'message': 'rate limited', 'type': 'rate_limit'}},
                              {'retry-after': '0'})
        if self.mode == 'not-json':
            return self._send_raw(request, 200, b'<html>gateway</html>', 'application/json')
        if self.mode == 'malformed':
            return self._send(request, 200, {'id': 'x', 'object': 'chat.completion', 'choices': []})
        asked_format = (self.requests[-1].get('response_format') or {}).get('type')
        if asked_format in self.reject_formats:
            return self._send(request, self.reject_status, {'error': {
                'message': f"Invalid parameter: 'response_format' of type '{asked_format}' is not supported.",
                'type': 'invalid_request_error', 'param': 'response_format'}})
        scripted = self.queue.pop(0) if self.queue else self.reply
        scripted = scripted if isinstance(scripted, dict) else {'content': scripted}
        if scripted.get('status'):
            return self._send(request, scripted['status'], {'error': {
                'message': scripted.get('message', 'scripted error'), 'type': 'invalid_request_error'}},
                scripted.get('headers'))
        if scripted.get('delay'):
            time.sleep(scripted['delay'])
        content = '' if self.mode == 'empty' else scripted.get('content', '')
        return self._send(request, 200, {
            'id': 'chatcmpl-fake', 'object': 'chat.completion', 'created': int(time.time()),
            'model': 'fake-model',
            'choices': [{'index': 0, 'finish_reason': scripted.get('finish_reason', self.finish_reason),
                         'message': {'role': 'assistant', 'content': content}}],
            'usage': {'prompt_tokens': 42, 'completion_tokens': 7, 'total_tokens': 49}})

    def _send(self, request, status, body, headers=None):
        self._send_raw(request, status, json.dumps(body).encode(), 'application/json', headers)

    @staticmethod
    def _send_raw(request, status, payload, content_type, headers=None):
        try:
            request.send_response(status)
            request.send_header('Content-Type', content_type)
            request.send_header('Content-Length', str(len(payload)))
            for name, value in (headers or {}).items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

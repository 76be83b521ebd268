"""HTTP conventions every route shares: JSON bodies, errors, CORS, 405s and security headers.

Each path is registered with Chalice once, for every method, and dispatched here, so that
a wrong method, a preflight and every error are answered by our code with CORS headers a
browser can read (API Gateway's own 403/405 answers carry none).
"""
import json
import logging
import threading
from typing import Callable, Dict, Optional

from chalice import Chalice, Response

from chalicelib import config
from chalicelib.errors import ApiError, BadRequest, MethodNotAllowed, PayloadTooLarge

logger = logging.getLogger('mock_interviewer')

DISPATCHED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
EXPOSED_HEADERS = 'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset'
INTERNAL_ERROR = 'Something went wrong on our side. Please try again in a moment.'
STORAGE_UNAVAILABLE = 'The service is temporarily unavailable. Please try again in a moment.'


def _storage_errors() -> tuple:
    # Imported here so this module stays importable without pynamodb/botocore loaded first.
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException
    return (PynamoDBException, BotoCoreError, ClientError)


class Api:
    """Registers routes on a Chalice app and answers them by the conventions of API.md."""

    def __init__(self, app: Chalice):
        self.app = app
        self._handlers: Dict[str, Dict[str, Callable]] = {}
        # `app.current_request` is one attribute shared by all threads, and `chalice local`
        # serves requests on several threads; middleware gets each request's own object.
        self._local = threading.local()
        app.register_middleware(self._remember_request, 'http')

    def _remember_request(self, request, get_response):
        self._local.request = request
        try:
            return get_response(request)
        finally:
            self._local.request = None

    @property
    def request(self):
        return self._local.request

    # -- registration -------------------------------------------------------------------
    def route(self, path: str, methods: list) -> Callable:
        def register(handler: Callable) -> Callable:
            table = self._handlers.setdefault(path, {})
            if not table:
                self._register_dispatcher(path)
            for method in methods:
                table[method] = handler
            return handler
        return register

    def _register_dispatcher(self, path: str) -> None:
        def dispatch(**path_params):
            return self._dispatch(path, path_params)
        dispatch.__name__ = 'route_' + path.strip('/').replace('/', '_').replace('{', '').replace('}', '')
        self.app.route(path, methods=DISPATCHED_METHODS, content_types=['*/*'])(dispatch)

    # -- request handling ---------------------------------------------------------------
    def _dispatch(self, path: str, path_params: dict) -> Response:
        request = self.request
        allowed = sorted(self._handlers[path])
        if request.method == 'OPTIONS':
            return self._respond(None, 204, {'Access-Control-Allow-Methods': ', '.join(allowed + ['OPTIONS'])})
        try:
            handler = self._handlers[path].get(request.method)
            if handler is None:
                raise MethodNotAllowed(
                    f'Method {request.method} is not allowed here; use {" or ".join(allowed)}.',
                    {'Allow': ', '.join(allowed)})
            self._check_body_size(request.raw_body)
            result = handler(**path_params)
        except ApiError as error:
            if error.status >= 500:
                logger.warning('request %s answered %s: %s', self.request_id(), error.status, error.message)
            return self._respond({'error': error.message}, error.status, error.headers)
        except _storage_errors():
            logger.exception('request %s: storage failure', self.request_id())
            return self._respond({'error': STORAGE_UNAVAILABLE}, 503, {'Retry-After': '5'})
        except Exception:
            logger.exception('request %s: unhandled error', self.request_id())
            return self._respond({'error': INTERNAL_ERROR}, 500)
        body, status, headers = _unpack(result)
        return self._respond(body, status, headers)

    def _respond(self, body: Optional[dict], status: int, headers: Optional[dict] = None) -> Response:
        settings = config.settings()
        all_headers = {
            'Access-Control-Allow-Origin': settings.cors_allow_origin,
            'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key',
            'Access-Control-Expose-Headers': EXPOSED_HEADERS,
            'Access-Control-Max-Age': '600',
            'X-Content-Type-Options': 'nosniff',
            'Cache-Control': 'no-store',
        }
        if settings.cors_allow_origin != '*':
            all_headers['Vary'] = 'Origin'
        all_headers.update(headers or {})
        if body is None:
            return Response(body='', status_code=status, headers=all_headers)
        all_headers['Content-Type'] = 'application/json; charset=utf-8'
        # ensure_ascii=False keeps Korean readable on the wire; it is still valid JSON.
        return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=all_headers)

    # -- helpers for route functions -----------------------------------------------------
    def json_body(self) -> dict:
        """The request body as a JSON object, or a 400/413 that says what is wrong."""
        raw = self.request.raw_body or b''
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw.decode('utf-8'))
            # "\ud800" escapes decode to lone surrogates, which no UTF-8 response could carry.
            json.dumps(body, ensure_ascii=False).encode('utf-8')
        except RecursionError:
            raise BadRequest('The request body is nested too deeply.')
        except UnicodeError:
            raise BadRequest('The request body must be valid UTF-8 text (no unpaired surrogate escapes).')
        except ValueError:
            raise BadRequest('The request body must be valid JSON.')
        if not isinstance(body, dict):
            raise BadRequest('The request body must be a JSON object.')
        return body

    @staticmethod
    def _check_body_size(raw: Optional[bytes]) -> None:
        limit = config.settings().max_body_bytes
        if raw and len(raw) > limit:
            raise PayloadTooLarge(f'The request body is larger than {limit // 1024} KiB; send less.')

    def header(self, name: str) -> Optional[str]:
        return self.request.headers.get(name.lower())

    def query_param(self, name: str) -> Optional[str]:
        return (self.request.query_params or {}).get(name)

    def base_url(self) -> str:
        """This API's own URL (before /api/...), as the caller reached it: on API Gateway's
        default domain the stage's path comes first; behind a custom domain or `chalice local`
        nothing does. PUBLIC_API_URL overrides it (e.g. behind a CDN)."""
        configured = config.settings().public_api_url
        if configured:
            return configured.rstrip('/')
        request = self.request
        context = getattr(request, 'context', None) or {}
        host = request.headers.get('host') or 'localhost'
        scheme = request.headers.get('x-forwarded-proto') or ('http' if host.startswith(('127.', 'localhost')) else 'https')
        route = context.get('resourcePath') or ''
        for name, value in (request.uri_params or {}).items():
            route = route.replace('{%s}' % name, value)
        path = (context.get('path') or '').rstrip('/')
        prefix = path[:-len(route)] if route and path.endswith(route) else ''
        return f'{scheme}://{host}{prefix}'

    def source_ip(self) -> str:
        """The caller's address as API Gateway saw it (never a client-supplied header)."""
        context = getattr(self.request, 'context', None) or {}
        return str((context.get('identity') or {}).get('sourceIp') or 'unknown')

    def request_id(self) -> str:
        context = getattr(self.request, 'lambda_context', None)
        return getattr(context, 'aws_request_id', '-')


def _unpack(result) -> tuple:
    if isinstance(result, tuple):
        body, status, *rest = result
        return body, status, (rest[0] if rest else {})
    return result, 200, {}

"""The few domain errors a service raises; chalicelib/api.py turns them into HTTP answers."""
from typing import Optional


class ApiError(Exception):
    status = 400

    def __init__(self, message: str, headers: Optional[dict] = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class MethodNotAllowed(ApiError):
    status = 405


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413


class RateLimited(ApiError):
    status = 429

    def __init__(self, message: str, retry_after_seconds: int, headers: Optional[dict] = None):
        merged = {'Retry-After': str(max(1, int(retry_after_seconds)))}
        merged.update(headers or {})
        super().__init__(message, merged)


class UpstreamUnavailable(ApiError):
    """The interviewer model (or another dependency the turn cannot do without) failed."""
    status = 503

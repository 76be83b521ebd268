"""Reading fields of a JSON request body: a wrong type or size is a 400 that names the field."""
from typing import Optional

from chalicelib.errors import BadRequest


def string_field(body: dict, name: str) -> Optional[str]:
    """The field as sent (passwords keep their spaces), None when absent."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f'{name} must be a string.')
    return value


def optional_text(body: dict, name: str, max_chars: int) -> Optional[str]:
    """The field trimmed, None when absent or blank, at most `max_chars` characters."""
    value = string_field(body, name)
    value = value.strip() if value is not None else None
    if not value:
        return None
    if len(value) > max_chars:
        raise BadRequest(f'{name} must be at most {max_chars} characters (it has {len(value)}).')
    return value

"""Reading and validating API input: JSON bodies against the published schemas, query parameters by type."""
from __future__ import annotations

import json
from datetime import datetime

from flask import request
from jsonschema import Draft202012Validator

from app.api.schemas import MAX_ID
from fleet.core.errors import DomainError, ValidationFailed
from fleet.core.localtime import parse_rfc3339
from fleet.core.text import control_character, describe, shown

MAX_PER_PAGE = 100
# No request body of this API nests deeper than a few levels; 32 leaves room and stays far from the
# recursion limit of the parser and the schema validator.
MAX_DEPTH = 32


class BadRequest(DomainError):
    status = 400


class UnsupportedMediaType(DomainError):
    status = 415


_validators: dict[int, Draft202012Validator] = {}


def json_body(schema: dict) -> dict:
    """The request's JSON object, validated: malformed JSON is 400, a wrong shape 422 naming the field."""
    raw = request.get_data(cache=True)
    if not request.is_json:
        if not raw:
            raise ValidationFailed("Send a JSON object with Content-Type: application/json.")
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
    try:
        data = json.loads(raw or b"null")
    except RecursionError:  # the parser's own limit, far deeper than MAX_DEPTH
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.") from None
    _check_shape(data)
    validator = _validators.setdefault(id(schema), Draft202012Validator(schema))
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        raise ValidationFailed(_describe(error), field=".".join(str(p) for p in error.absolute_path) or None)
    return data


def _too_deep() -> BadRequest:
    return BadRequest("The body nests arrays and objects more than %(depth)s levels deep.", depth=MAX_DEPTH)


def _check_shape(data) -> None:
    """Before the schema validator sees the body (it recurses, and would hit Python's recursion limit on a
    small body of nested brackets): at most MAX_DEPTH levels, and no control character in any string or key
    other than tab and line breaks (NUL cannot even be stored in PostgreSQL). Which fields take one line only
    is for the services to say. Iterative, so any depth is safe to look at."""
    stack = [(data, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            _check_string(value, path)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise _too_deep()
        if isinstance(value, dict):
            for key, item in value.items():
                _check_string(key, (*path, key))
                stack.append((item, depth + 1, (*path, key)))
        else:
            stack.extend((item, depth + 1, (*path, index)) for index, item in enumerate(value))


def _check_string(text: str, path: tuple) -> None:
    char = control_character(text)
    if char is not None:
        raise ValidationFailed("%(where)s contains a control character (%(code)s), which is not allowed.",
                               field=shown(".".join(str(p) for p in path)) or None,
                               where=shown("/".join(str(p) for p in path)) or "The body", code=describe(char))


def _describe(error) -> str:
    where = "/".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"Unknown field {extra[0]!r}{f' in {where}' if where else ''}: it is not accepted here."
    if error.validator == "required":
        return f"Missing field: {error.message.split(' ')[0]}."
    if error.validator == "type":
        return f"{where or 'The body'} must be of type {error.validator_value}."
    return f"{where or 'The body'}: {error.message}"


def int_arg(name: str, low: int = 1, high: int = MAX_ID, default: int | None = None) -> int | None:
    text = request.args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValidationFailed("%(name)s must be a whole number.", field=name, name=name) from None
    if not low <= value <= high:
        raise ValidationFailed("%(name)s must be between %(low)s and %(high)s.", field=name, name=name, low=low,
                               high=high)
    return value


def float_arg(name: str, low: float, high: float) -> float | None:
    text = request.args.get(name)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed("%(name)s must be a number.", field=name, name=name) from None
    if not low <= value <= high:  # also refuses nan
        raise ValidationFailed("%(name)s must be between %(low)s and %(high)s.", field=name, name=name, low=low,
                               high=high)
    return value


def datetime_arg(name: str) -> datetime | None:
    text = request.args.get(name)
    if text is None:
        return None
    return parse_rfc3339(text, field=name)


def page_args() -> tuple[int, int]:
    return int_arg("page", 1, 100000, 1), int_arg("per_page", 1, MAX_PER_PAGE, 20)


def near_arg() -> tuple[float, float] | None:
    text = request.args.get("near")
    if text is None:
        return None
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise ValidationFailed("near must be 'lat,lon', e.g. 52.09,5.12.", field="near") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed("near is not a point on the map.", field="near")
    return (lat, lon)


def datetime_field(data: dict, name: str) -> datetime:
    return parse_rfc3339(data[name], field=name)

"""Request parameters as the vendor's clients send them, decoded into one dict."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

import orjson
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from trackpost.core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

MAX_DEPTH = 5
MAX_FIELDS = 1000
_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART_RE = re.compile(r"\[([^\[\]]*)\]")

Params = dict[str, Any]


def _clean(value: str, name: str) -> str:
    if "\x00" in value:
        raise BadRequest(f"Parameter '{name}' contains a NUL byte.", code="invalid_parameter")
    return value


def decode_pairs(pairs: list[tuple[str, str]]) -> Params:
    """Fold flat key/value pairs into nested dicts and lists, PHP bracket style.

    Written here rather than taken from a library because we need hard limits on depth and
    field count (hostile input) and a clear error for a parameter sent twice.
    """
    if len(pairs) > MAX_FIELDS:
        raise BadRequest(
            f"Too many parameters: {len(pairs)} sent, at most {MAX_FIELDS} are accepted.",
            code="too_many_parameters",
        )
    out: Params = {}
    for raw_key, raw_value in pairs:
        key = _clean(raw_key, raw_key)
        value = _clean(raw_value, key)
        if "[" not in key:
            if key in out:
                raise BadRequest(
                    f"Parameter '{key}' was sent more than once.", code="duplicate_parameter"
                )
            out[key] = value
            continue
        m = _KEY_RE.match(key)
        if m is None:
            raise BadRequest(f"Parameter name '{key}' is malformed.", code="invalid_parameter")
        parts = [m.group(1), *_PART_RE.findall(m.group(2))]
        if len(parts) - 1 > MAX_DEPTH:
            raise BadRequest(
                f"Parameter '{m.group(1)}' is nested deeper than {MAX_DEPTH} levels.",
                code="invalid_parameter",
            )
        _assign(out, parts, value, m.group(1))
    return out


def _assign(root: Params, parts: list[str], value: str, name: str) -> None:
    node: Any = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if part != "":
                raise BadRequest(
                    f"Parameter '{name}' mixes list and keyed items.", code="invalid_parameter"
                )
            if last:
                node.append(value)
                return
            node.append({})
            node = node[-1]
            continue
        if not isinstance(node, dict):
            raise BadRequest(
                f"Parameter '{name}' is both a value and a group.", code="invalid_parameter"
            )
        if last:
            if part in node:
                raise BadRequest(
                    f"Parameter '{name}' was sent more than once.", code="duplicate_parameter"
                )
            node[part] = value
            return
        nxt = parts[i + 1]
        child = node.get(part)
        if child is None:
            child = [] if nxt == "" else {}
            node[part] = child
        node = child


def _parse_urlencoded(body: bytes) -> list[tuple[str, str]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("The request body is not valid UTF-8.", code="invalid_encoding") from exc
    if "%" not in text and "+" not in text:
        return split_plain(text)
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError as exc:
        raise BadRequest(
            "The request body has percent-escapes that are not valid UTF-8.",
            code="invalid_encoding",
        ) from exc
    except ValueError as exc:
        raise BadRequest(
            f"Too many parameters: at most {MAX_FIELDS} are accepted.", code="too_many_parameters"
        ) from exc


def split_plain(text: str) -> list[tuple[str, str]]:
    """parse_qsl's result for text with nothing to unescape (no % or +), in one cheap pass.

    Nearly every API body is like "customer_id=42"; parse_qsl's per-field unquoting and checks
    cost more than the rest of parsing such a request.
    """
    if text.count("&") >= MAX_FIELDS:
        raise BadRequest(
            f"Too many parameters: at most {MAX_FIELDS} are accepted.", code="too_many_parameters"
        )
    pairs: list[tuple[str, str]] = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def tolerant_query(query: bytes) -> Params:
    """What can be read of a malformed query: bad bytes replaced, NULs and repeats dropped.

    For the click only: a visitor's browser must reach the landing page whatever an ad network
    appended to the link, so its click is recorded with what the query says clearly.
    """
    text = query.decode("utf-8", "replace")
    pairs = parse_qsl(text, keep_blank_values=True, errors="replace")[:MAX_FIELDS]
    found: Params = {}
    for name, value in pairs:
        if "\x00" not in name and "\x00" not in value:
            found.setdefault(name, value)
    return found


def parse_query(query: bytes) -> list[tuple[str, str]]:
    """Decode a raw query string strictly as UTF-8."""
    if not query:
        return []
    return _parse_urlencoded(query)


HEADERS_KEY = "trackpost.headers"


def header_map(request: Request) -> dict[bytes, bytes]:
    """The raw headers as a dict, built once per request (the first of repeated names wins).

    Starlette's Headers scans the whole list, lowercasing, on every lookup; the pipeline looks up
    several names per request.
    """
    scope = request.scope
    found: dict[bytes, bytes] | None = scope.get(HEADERS_KEY)
    if found is None:
        found = scope[HEADERS_KEY] = dict(reversed(scope["headers"]))
    return found


def header(request: Request, name: bytes) -> str | None:
    """One header's value (name in lower case), decoded as latin-1 like Starlette does."""
    value = header_map(request).get(name)
    return None if value is None else value.decode("latin-1")


def single_header(request: Request, name: bytes) -> str | None:
    """A header that must come once: sent twice, it is a 400 rather than a silent pick."""
    values = header_values(request, name)
    if len(values) > 1:
        raise BadRequest(
            f"Header '{name.decode()}' was sent more than once.", code="duplicate_header"
        )
    return values[0] if values else None


def header_values(request: Request, name: bytes) -> list[str]:
    """Every value of a header that may be sent more than once (HTTP/2 sends one Cookie each)."""
    return [v.decode("latin-1") for k, v in request.scope["headers"] if k == name]


async def read_body(request: Request, limit: int) -> bytes:
    """Read the body, refusing more than limit bytes before buffering it all."""
    text = header(request, b"content-length")
    declared = -1  # none, or not a number: read to the end the server reports
    if text is not None and text.isascii() and text.isdigit():
        # int() refuses more than 4,300 digits; anything past 18 is over any limit anyway.
        declared = int(text) if len(text) <= 18 else limit + 1
    if declared > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    # ASGI's receive directly: Starlette's stream() wraps it in an async generator, which costs
    # more than the read itself for the one-chunk bodies API clients send.
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        # Granian hands over a body's bytes with more_body set and says it ended only on a
        # second receive, a round trip through its runtime thread and the GIL that cost as much
        # as the rest of a bare request (a bare app's PATCH: 22k req/s, 29k stopping here). Once
        # the declared length has arrived nothing more can come, so the body is whole.
        if not message.get("more_body", False) or size == declared:
            if not chunks:
                return bytes(chunk)
            chunks.append(chunk)
            return b"".join(chunks)
        chunks.append(chunk)


def _utf8(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"Parameter '{name[:64]}' is not valid UTF-8.", code="invalid_encoding"
        ) from exc


def _parse_multipart(options: dict[bytes, bytes], body: bytes) -> list[tuple[str, str]]:
    """Fields of a multipart body, decoded strictly as UTF-8 like every other body type.

    Starlette's parser falls back to latin-1 for bytes that are not valid in the declared
    charset, so the same bytes would be refused form-encoded and stored mangled here.
    """
    boundary = options.get(b"boundary")
    if not boundary:
        raise BadRequest("The multipart body has no boundary.", code="invalid_body")
    pairs: list[tuple[str, str]] = []
    headers: dict[bytes, bytes] = {}
    field, value, data = bytearray(), bytearray(), bytearray()

    def on_part_begin() -> None:
        headers.clear()
        data.clear()

    def on_header_end() -> None:
        headers[bytes(field).lower()] = bytes(value)
        field.clear()
        value.clear()

    def on_part_end() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        raw_name = disposition.get(b"name")
        if raw_name is None:
            raise BadRequest("A multipart part has no field name.", code="invalid_body")
        name = _utf8(raw_name, "name")
        if b"filename" in disposition:
            raise BadRequest(f"Parameter '{name}' must not be a file.", code="invalid_parameter")
        if len(pairs) >= MAX_FIELDS:
            raise BadRequest(
                f"Too many parameters: at most {MAX_FIELDS} are accepted.",
                code="too_many_parameters",
            )
        pairs.append((name, _utf8(bytes(data), name)))

    callbacks: Any = {
        "on_part_begin": on_part_begin,
        "on_part_data": lambda d, s, e: data.extend(d[s:e]),
        "on_header_field": lambda d, s, e: field.extend(d[s:e]),
        "on_header_value": lambda d, s, e: value.extend(d[s:e]),
        "on_header_end": on_header_end,
        "on_part_end": on_part_end,
    }
    try:
        parser = MultipartParser(boundary, callbacks)
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise BadRequest(f"The multipart body is malformed: {exc}", code="invalid_body") from exc
    return pairs


def _check_charset(options: dict[bytes, bytes]) -> None:
    """One rule for every body type: UTF-8, whatever else a charset parameter claims."""
    charset = options.get(b"charset")
    if charset is not None and charset.strip(b'"').lower() not in (b"utf-8", b"utf8"):
        raise BadRequest(
            f"The body's charset {charset.decode('latin-1')[:32]!r} is not supported; send UTF-8.",
            code="invalid_encoding",
        )


def _json_params(body: bytes) -> Params:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("The request body is not valid JSON.", code="invalid_body") from exc
    if not isinstance(data, dict):
        raise BadRequest("The JSON body must be an object of parameters.", code="invalid_body")
    _check_json(data, 0)
    # orjson keeps the last of two equal keys without a word; a second, pairs-level pass makes a
    # parameter sent twice the same 400 as in a form (JSON bodies are rare, so the cost is too).
    json.loads(body, object_pairs_hook=_unique_keys)
    return data


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise BadRequest(
                    f"Parameter '{key}' was sent more than once.", code="duplicate_parameter"
                )
            seen.add(key)
    return out


def _check_json(node: Any, depth: int) -> None:
    if depth > MAX_DEPTH + 1:
        raise BadRequest(
            f"The JSON body is nested deeper than {MAX_DEPTH} levels.", code="invalid_body"
        )
    if isinstance(node, dict):
        if len(node) > MAX_FIELDS:
            raise BadRequest("The JSON body has too many keys.", code="too_many_parameters")
        for key, value in node.items():
            _clean(key, key)
            _check_json(value, depth + 1)
    elif isinstance(node, list):
        if len(node) > MAX_FIELDS:
            raise BadRequest(
                "The JSON body has a list that is too long.", code="too_many_parameters"
            )
        for item in node:
            _check_json(item, depth + 1)
    elif isinstance(node, str):
        _clean(node, "body")


_FORM = "application/x-www-form-urlencoded"


async def read_params(request: Request, limit: int) -> Params:
    """Merge the query string and the body; a name in both is an error, not a silent pick."""
    query_pairs = parse_query(request.scope.get("query_string", b""))
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
        return decode_pairs(query_pairs)
    body = await read_body(request, limit)
    ctype_raw = header(request, b"content-type") or ""
    options: dict[bytes, bytes] = {}
    if ctype_raw == _FORM:  # what nearly every client sends; no need to parse the options
        ctype_s = _FORM
    else:
        ctype, options = parse_options_header(ctype_raw)
        ctype_s = (ctype.decode("latin-1") if isinstance(ctype, bytes) else str(ctype)).lower()
        _check_charset(options)
    if not body.strip():
        return decode_pairs(query_pairs)
    if ctype_s in ("", "application/x-www-form-urlencoded"):
        return decode_pairs(query_pairs + _parse_urlencoded(body))
    if ctype_s == "multipart/form-data":
        return decode_pairs(query_pairs + _parse_multipart(options, body))
    if ctype_s == "application/json" or ctype_s.endswith("+json"):
        params = _json_params(body)
        for key, value in decode_pairs(query_pairs).items():
            if key in params:
                raise BadRequest(
                    f"Parameter '{key}' was sent more than once.", code="duplicate_parameter"
                )
            params[key] = value
        return params
    raise UnsupportedMediaType(
        f"Content-Type '{ctype_s}' is not supported; send form-encoded, multipart or JSON.",
        code="unsupported_media_type",
    )

"""Parameters arrive as the vendor's clients send them: form, multipart, JSON, PHP brackets."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import settings as settings_h
from hypothesis import strategies as st
from starlette.requests import Request

from trackpost.core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from trackpost.core.params import MAX_DEPTH, MAX_FIELDS, decode_pairs, read_params, split_plain


def make_request(method: str, body: bytes, ctype: str | None, query: bytes = b"") -> Request:
    headers = [(b"content-length", str(len(body)).encode())]
    if ctype is not None:
        headers.append((b"content-type", ctype.encode()))
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": method,
        "path": "/x",
        "query_string": query,
        "headers": headers,
    }
    return Request(scope, receive)


def parse(
    method: str, body: bytes, ctype: str | None, query: bytes = b"", limit: int = 1 << 20
) -> Any:
    return asyncio.run(read_params(make_request(method, body, ctype, query), limit))


FORM = "application/x-www-form-urlencoded"


def test_php_http_build_query_body() -> None:
    assert parse("PATCH", b"customer_id=191", FORM) == {"customer_id": "191"}


def test_bracket_arrays_nest() -> None:
    body = b"goal_vars[0][goal_id]=1&goal_vars[0][amount]=2.5&ips[postback_ips]=1.1.1.1&ids[]=1&ids[]=2"
    assert parse("PATCH", body, FORM) == {
        "goal_vars": {"0": {"goal_id": "1", "amount": "2.5"}},
        "ips": {"postback_ips": "1.1.1.1"},
        "ids": ["1", "2"],
    }


def test_multipart_and_json_bodies() -> None:
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="customer_id"\r\n\r\n191\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    assert parse("PATCH", body, f"multipart/form-data; boundary={boundary}") == {
        "customer_id": "191"
    }
    assert parse("PATCH", b'{"customer_id": 191}', "application/json") == {"customer_id": 191}


def test_missing_content_type_is_read_as_a_form() -> None:
    assert parse("POST", b"a=1", None) == {"a": "1"}


def test_query_and_body_merge_but_never_silently_overlap() -> None:
    assert parse("PATCH", b"a=1", FORM, b"b=2") == {"a": "1", "b": "2"}
    with pytest.raises(BadRequest, match="'a' was sent more than once"):
        parse("PATCH", b"a=1", FORM, b"a=2")


def test_duplicate_parameter_is_refused() -> None:
    with pytest.raises(BadRequest) as err:
        parse("PATCH", b"customer_id=1&customer_id=2", FORM)
    assert err.value.error_code == "duplicate_parameter"


def test_body_over_the_limit_is_413() -> None:
    with pytest.raises(PayloadTooLarge):
        parse("POST", b"a=" + b"x" * 2000, FORM, limit=1000)


def test_invalid_utf8_and_nul_bytes_are_refused() -> None:
    with pytest.raises(BadRequest) as err:
        parse("POST", b"a=%ff%fe", FORM)
    assert err.value.error_code == "invalid_encoding"
    with pytest.raises(BadRequest) as err:
        parse("POST", b"a=x%00y", FORM)
    assert "NUL" in err.value.message


def test_unsupported_content_type_is_415() -> None:
    with pytest.raises(UnsupportedMediaType):
        parse("POST", b"<a/>", "application/xml")


def test_json_must_be_an_object() -> None:
    with pytest.raises(BadRequest, match="object"):
        parse("POST", b"[1,2]", "application/json")
    with pytest.raises(BadRequest, match="not valid JSON"):
        parse("POST", b"{nope", "application/json")


def test_nesting_and_field_count_are_bounded() -> None:
    deep = "a" + "[x]" * (MAX_DEPTH + 1)
    with pytest.raises(BadRequest, match="deeper"):
        decode_pairs([(deep, "1")])
    with pytest.raises(BadRequest) as err:
        decode_pairs([(f"k{i}", "v") for i in range(1001)])
    assert err.value.error_code == "too_many_parameters"


def test_a_name_cannot_be_both_value_and_group() -> None:
    with pytest.raises(BadRequest):
        decode_pairs([("a", "1"), ("a[b]", "2")])


@settings_h(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab=&é;#\x00 ?[]"), max_size=40))
def test_plain_bodies_split_exactly_as_parse_qsl_would(text: str) -> None:
    """The fast path for bodies with nothing to unescape gives parse_qsl's pairs, in order."""
    assert split_plain(text) == parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)


def test_the_fast_path_keeps_the_field_limit() -> None:
    """A body of separators alone is still refused as too many parameters."""
    with pytest.raises(BadRequest) as err:
        split_plain("&" * MAX_FIELDS)
    assert err.value.error_code == "too_many_parameters"
    with pytest.raises(ValueError, match="Max number of fields"):
        parse_qsl("&" * MAX_FIELDS, keep_blank_values=True, max_num_fields=MAX_FIELDS)


def _chunked_request(
    chunks: list[bytes], declared: int | str | None, *, end: bool = False
) -> tuple[Request, list[int]]:
    """A request whose body arrives in chunks, each flagged more_body, as granian sends them.

    With end=False the server's end-of-body message never comes, so a reader that waits for it
    hangs; with end=True it follows the chunks.
    """
    headers = [(b"content-type", FORM.encode())]
    if declared is not None:
        headers.append((b"content-length", str(declared).encode()))
    calls = [0]

    async def receive() -> dict[str, Any]:
        calls[0] += 1
        if calls[0] <= len(chunks):
            return {"type": "http.request", "body": chunks[calls[0] - 1], "more_body": True}
        if end and calls[0] == len(chunks) + 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the server's own end-of-body message, not yet sent
        raise AssertionError("unreachable")

    scope = {
        "type": "http",
        "method": "PATCH",
        "path": "/x",
        "query_string": b"",
        "headers": headers,
    }
    return Request(scope, receive), calls


def test_a_body_of_its_declared_length_is_whole_without_waiting_for_the_end_message() -> None:
    request, calls = _chunked_request([b"customer_id=1", b"91"], declared=15)
    params = asyncio.run(asyncio.wait_for(read_params(request, 1 << 20), timeout=5))
    assert params == {"customer_id": "191"}
    assert calls[0] == 2


def test_a_body_without_a_declared_length_is_read_until_the_server_says_it_ended() -> None:
    request, calls = _chunked_request([b"customer_id=191"], declared=None)
    with pytest.raises(TimeoutError):
        asyncio.run(asyncio.wait_for(read_params(request, 1 << 20), timeout=0.2))
    assert calls[0] == 2  # it asked for more after the first chunk


def test_a_body_longer_than_its_declared_length_is_read_to_its_end_not_cut() -> None:
    request, _calls = _chunked_request([b"customer_id=191", b"&reason=x"], declared=3, end=True)
    params = asyncio.run(asyncio.wait_for(read_params(request, 1 << 20), timeout=5))
    assert params == {"customer_id": "191", "reason": "x"}


def test_an_empty_declared_body_is_whole_at_once() -> None:
    request, calls = _chunked_request([b""], declared=0)
    assert asyncio.run(asyncio.wait_for(read_params(request, 1 << 20), timeout=5)) == {}
    assert calls[0] == 1


@pytest.mark.parametrize("declared", ["\u00b2", "1e3", "-5", " 15"])
def test_a_content_length_that_is_not_plain_digits_is_ignored_not_a_crash(declared: str) -> None:
    request, _calls = _chunked_request([b"customer_id=191"], declared=declared, end=True)
    params = asyncio.run(asyncio.wait_for(read_params(request, 1 << 20), timeout=5))
    assert params == {"customer_id": "191"}


def test_a_content_length_too_long_to_parse_is_refused_as_too_large() -> None:
    request, _calls = _chunked_request([b"customer_id=191"], declared="9" * 5000, end=True)
    with pytest.raises(PayloadTooLarge):
        asyncio.run(asyncio.wait_for(read_params(request, 1 << 20), timeout=5))


def _multipart(value: bytes, ctype_extra: str = "") -> tuple[bytes, str]:
    body = (
        b'--B\r\nContent-Disposition: form-data; name="firstname"\r\n\r\n'
        + value
        + b"\r\n--B--\r\n"
    )
    return body, f"multipart/form-data; boundary=B{ctype_extra}"


def test_multipart_is_decoded_as_strictly_as_a_form() -> None:
    """The same bytes get the same answer whatever the body type."""
    assert parse("POST", *_multipart("Café".encode())) == {"firstname": "Café"}
    with pytest.raises(BadRequest) as form:
        parse("POST", b"firstname=Caf%E9", FORM)
    with pytest.raises(BadRequest) as multi:
        parse("POST", *_multipart(b"Caf\xe9"))
    assert form.value.error_code == multi.value.error_code == "invalid_encoding"
    assert "firstname" in multi.value.message


@pytest.mark.parametrize("charset", ["bogus", "latin-1", '"iso-8859-1"'])
def test_a_charset_other_than_utf8_is_refused(charset: str) -> None:
    with pytest.raises(BadRequest) as multi:
        parse("POST", *_multipart("Café".encode(), f"; charset={charset}"))
    with pytest.raises(BadRequest) as form:
        parse("POST", b"firstname=Caf%C3%A9", f"{FORM}; charset={charset}")
    assert multi.value.error_code == form.value.error_code == "invalid_encoding"
    assert parse("POST", b"a=%C3%A9", f"{FORM}; charset=UTF-8") == {"a": "é"}


def test_multipart_files_and_nameless_parts_are_refused() -> None:
    upload = (
        b'--B\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\n\r\nhi\r\n--B--\r\n'
    )
    with pytest.raises(BadRequest, match="must not be a file"):
        parse("POST", upload, "multipart/form-data; boundary=B")
    nameless = b"--B\r\nContent-Disposition: form-data\r\n\r\nhi\r\n--B--\r\n"
    with pytest.raises(BadRequest, match="no field name"):
        parse("POST", nameless, "multipart/form-data; boundary=B")

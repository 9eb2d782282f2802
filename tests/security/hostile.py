"""The hostile-input catalogue, derived for any endpoint from its parameter model.

Each probe is one request. A strict probe must be refused with a 4xx in the error envelope and
write nothing. A lenient probe (free text with SQL or HTML metacharacters, look-alike names) may
also be accepted, but then whatever it wrote must hold the value verbatim.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from tests.security.endpoints import Param, has_path_params, params_of
from trackpost.core.http import Endpoint

SQL = 'x\'; DROP TABLE customers; -- " OR "1"="1 \\ %_'
HTML = "<script>alert(1)</script><img src=x onerror=alert(1)>&amp;"
METACHARACTERS = f"{SQL} {HTML}"
# Letters from another script may be someone's real name: refused, or kept as the distinct value.
LOOK_ALIKES = {
    "cyrillic": "tf_adm\u0456n",
    "fullwidth": "\uff54\uff46_admin",
}
EMAIL_LOOK_ALIKES = {
    "cyrillic domain": "ada@ex\u0430mple.com",
    "fullwidth at": "ada\uff20example.com",
}
# Invisible and control characters have no use in a name or address but to impersonate: refused.
INVISIBLE = {
    "zero-width space": "\u200b",
    "right-to-left override": "\u202egpj.exe",
    "soft hyphen": "\u00ad",
}
BIG_INTS = ("9223372036854775808", "-9223372036854775809")
# Python's int() takes Arabic-Indic and fullwidth digits: look-alike numbers must not name ids.
NOT_INTS = ("1.5", "1e3", "0x10", "\u0661\u0662", "\uff11")
BAD_AMOUNTS = (
    "9.999",
    "1e3",
    "1E-2",
    "NaN",
    "Infinity",
    "-Infinity",
    "9,95",
    "0x10",
    "1_000",
    "\u0669.\u0669\u0665",
    "\uff19.\uff19\uff15",
    "99999999999999999999.99",
)
NESTED_JSON: dict[str, Any] = {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}


@dataclass(frozen=True)
class Probe:
    """One hostile request: a raw query string and/or body, and what may come back."""

    what: str
    query: str = ""
    body: bytes | None = None
    ctype: str | None = None
    strict: bool = True
    param: str | None = None
    value: str | None = None
    path: str | None = None
    names_param: bool = False
    # Accepted only if the value is normalised away (a trailing newline stripped), never kept.
    never_stored: bool = False
    extra_headers: dict[str, str] = field(default_factory=dict)


def _default(p: Param) -> str | None:
    """A plausible value for a required parameter the world has no record for."""
    if p.enum:
        return str(p.enum[0])
    if "integer" in p.types or "number" in p.types:
        return "1"
    if "boolean" in p.types:
        return "0"
    if not p.accepts_string:
        return None
    for hint, value in (
        ("email", "base@example.com"),
        ("url", "https://example.com/"),
        ("domain", "https://t.example.com"),
        ("ip", "192.0.2.1"),
        ("username", "baseuser"),
        ("password", "Base-passw0rd-123"),
    ):
        if hint in p.name:
            return value
    return "base"


def base_pairs(ep: Endpoint, world: dict[str, str]) -> dict[str, str]:
    """A request aimed at existing records, so that mutations of it reach the database."""
    out: dict[str, str] = {}
    for p in params_of(ep):
        if ep.raw_params and not p.required and p.name != "click_hash":
            continue  # a post names its click; an existing orderid there would be a duplicate
        if p.name in world:
            out[p.name] = world[p.name]
        elif p.required:
            value = _default(p)
            if value is not None:
                out[p.name] = value
    return out


class Catalogue:
    """Builds the probes for one endpoint around its base request."""

    def __init__(
        self, ep: Endpoint, base: dict[str, str], *, full: bool = True, parsing: bool = True
    ) -> None:
        self.ep = ep
        self.base = base
        # Probes refused while parsing never reach the database: one backend is enough for them.
        self.parsing = parsing
        # An alias (same handler under another path or method) gets the request-level probes only.
        self.full = full
        self.params = params_of(ep)
        self.get = ep.method in ("GET", "HEAD")
        # Whether a lenient outcome is harmless depends on writing, not on the method (a GET
        # postback writes, a GET search does not).
        self.reads = not ep.write

    def _encode(self, pairs: list[tuple[str, str]]) -> str:
        return urlencode(pairs, quote_via=quote)

    def encoded_base(self) -> str:
        return self._encode(self.pairs())

    def pairs(self, **changes: str) -> list[tuple[str, str]]:
        merged = {**self.base, **changes}
        return list(merged.items())

    def form(self, what: str, raw: str, **kw: Any) -> Probe:
        """Parameters where this endpoint reads them: the query for GET, else a form body."""
        if self.get:
            return Probe(what, query=raw, **kw)
        return Probe(what, body=raw.encode(), ctype="application/x-www-form-urlencoded", **kw)

    def mutate(self, p: Param, value: str, what: str, *, strict: bool = True) -> Probe:
        raw = self._encode(self.pairs(**{p.name: value}))
        return self.form(
            f"{p.name}: {what}", raw, strict=strict, param=p.name, value=value, names_param=strict
        )

    def json(
        self, what: str, payload: Any, *, raw: bytes | None = None, strict: bool = True
    ) -> Probe:
        body = raw if raw is not None else json.dumps(payload).encode()
        return Probe(what, body=body, ctype="application/json", strict=strict)

    def multipart(self, what: str, value: bytes, ctype_extra: str = "") -> Probe:
        first = self.params[0].name if self.params else "customer_id"
        parts = [(k, v.encode()) for k, v in self.pairs() if k != first] + [(first, value)]
        body = b"".join(
            b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (k.encode(), v)
            for k, v in parts
        )
        return Probe(
            what, body=body + b"--B--\r\n", ctype=f"multipart/form-data; boundary=B{ctype_extra}"
        )

    def probes(self) -> Iterator[Probe]:
        if self.parsing:
            yield from self.request_level()
            if not self.get:
                yield from self.body_level()
        if self.full:
            for i, p in enumerate(self.params):
                yield from self.field_level(p, typed_json=i < 2)
        if has_path_params(self.ep.path):
            yield from self.path_level()

    def request_level(self) -> Iterator[Probe]:
        first = self.params[0].name if self.params else "customer_id"
        rest = self._encode(self.pairs())
        sep = "&" if rest else ""
        yield self.form("invalid UTF-8 escape", f"{first}=%FF%FE{sep}{rest}")
        yield self.form("NUL byte in a value", f"{first}=a%00b{sep}{rest}")
        yield self.form("NUL byte in a name", f"na%00me=1{sep}{rest}")
        # Advertisers' posts ignore names they do not know (integrations send extras): lenient.
        ignores = self.ep.raw_params
        yield self.form("unknown parameter", f"no_such_parameter=1{sep}{rest}", strict=not ignores)
        long_name = f"{'n' * 10_000}=1{sep}{rest}"
        yield self.form("parameter name of 10,000 characters", long_name, strict=not ignores)
        deep = "".join(f"[{c}]" for c in "abcdefgh")
        yield self.form("brackets nested 8 deep", f"{first}{deep}=1")
        yield self.form("1,001 bracket items", "&".join(f"{first}[]={i}" for i in range(1001)))
        if self.params and self.params[0].is_scalar:
            # Some scalars also take a list (offerid=1,2 or offerid[]=1): then it must be harmless.
            yield self.form("bracket list", f"{first}[]=1&{first}[]=2", strict=False)
        yield self.form("bracket group and value", f"{first}[x]=1&{first}=2")
        yield self.form("duplicate parameter", f"{first}=1&{first}=2{sep}{rest}")
        escaped = "".join(f"%{ord(c):02X}" for c in first)
        yield self.form("duplicate, once percent-escaped", f"{first}=1&{escaped}=2")

    def body_level(self) -> Iterator[Probe]:
        rest = self._encode(self.pairs())
        first = self.params[0].name if self.params else "customer_id"
        if self.ep.params is not None:
            yield Probe("empty body", body=b"", ctype="application/x-www-form-urlencoded")
            yield Probe("whitespace body", body=b" \r\n", ctype="application/x-www-form-urlencoded")
        for ctype in ("text/plain", "application/xml", "text/html", "application/octet-stream"):
            yield Probe(f"content type {ctype}", body=(rest or "a=1").encode(), ctype=ctype)
        yield Probe(
            "raw invalid UTF-8 byte in a form body",
            body=f"{first}=caf".encode() + b"\xe9",
            ctype="application/x-www-form-urlencoded; charset=latin-1",
        )
        yield Probe(
            "same parameter in query and body",
            query=f"{first}=1",
            body=f"{first}=1".encode(),
            ctype="application/x-www-form-urlencoded",
        )
        yield Probe(
            "body over the size limit",
            body=b"a=" + b"x" * (1024 * 1024 + 10),
            ctype="application/x-www-form-urlencoded",
        )
        yield self.json("JSON syntax error", None, raw=b'{"a": ')
        yield self.json("JSON array body", [dict(self.pairs())])
        yield self.json("JSON nested 8 deep", {**self.base, first: NESTED_JSON})
        yield self.json("JSON NUL in a value", {**self.base, first: "a\x00b"})
        yield self.json("JSON NaN literal", None, raw=b'{"%s": NaN}' % first.encode())
        dup = f'{{"{first}": "1", "{first}": "2"}}'.encode()
        yield self.json("JSON duplicate key", None, raw=dup)
        yield self.json("JSON 1,001-item list", {**self.base, first: list(range(1001))})
        # One decoding rule for every body type: what a form refuses, multipart refuses too.
        yield self.multipart("multipart invalid UTF-8", b"caf\xe9")
        yield self.multipart("multipart charset=bogus", "Café".encode(), "; charset=bogus")

    def field_level(self, p: Param, *, typed_json: bool) -> Iterator[Probe]:
        if p.accepts_string and p.is_scalar and not p.enum:
            yield from self.text_probes(p)
        if p.is_numeric_id and p.is_scalar:
            yield from self.integer_probes(p, ids=True)
        elif "integer" in p.types and p.is_scalar:
            yield from self.integer_probes(p, ids=False)
        if p.is_amount:
            for value in BAD_AMOUNTS:
                yield self.mutate(p, value, f"amount {value!r}")
        if p.enum:
            yield self.mutate(p, "not-one-of-the-choices", "value outside the enumeration")
        if "boolean" in p.types and not p.accepts_string:
            yield self.mutate(p, "maybe", "not a boolean")
        if not p.is_scalar:
            yield self.mutate(p, "scalar", "a plain value for a group")
        if p.is_scalar:
            # A blank value (PHP clients send them for fields they do not set): accepted or
            # refused, never a NULL or an empty value where a column needs one.
            raw = self._encode(self.pairs(**{p.name: ""}))
            yield self.form(f"{p.name}: blank", raw, strict=False, param=p.name)
        if not self.get and p.is_scalar:
            # JSON null means "not given": accepted or refused, never a NULL in a column.
            yield self.json(f"{p.name}: JSON null", {**self.base, p.name: None}, strict=False)
        if typed_json and not self.get and p.is_scalar:
            yield self.json(f"{p.name}: JSON object", {**self.base, p.name: {"$ne": None}})
            yield self.json(f"{p.name}: JSON list", {**self.base, p.name: ["1", "2"]})

    def text_probes(self, p: Param) -> Iterator[Probe]:
        limit = p.max_length
        # A URL longer than ~64 KiB cannot even be sent; the body limit covers the rest.
        unbounded = 5_000 if self.get else 100_000
        # A search for an over-long value may simply find nothing; a write must refuse it.
        over = "a" * (limit + 1 if limit else unbounded)
        yield self.mutate(p, over, "over-long value", strict=not self.reads or limit is not None)
        # At the documented limit (or past a typical column size): accepted or refused, never 5xx.
        at_limit = "b" * min(limit or 256, 30_000 if self.get else 70_000)
        if not p.is_numeric_id:
            yield self.mutate(p, at_limit, f"{len(at_limit)} characters", strict=False)
            yield self.mutate(p, METACHARACTERS, "SQL and HTML metacharacters", strict=False)
        if "url" in p.name or p.name.endswith("domain"):
            # Whatever a URL parameter stores may become a redirect or a link: web addresses only.
            for bad in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>"):
                yield self.mutate(p, bad, f"URL {bad[:11]!r}", strict=not self.reads)
            # A scheme-less value may be a plain host name (an account's website): lenient.
            yield self.mutate(p, "//evil.example/", "scheme-relative URL", strict=False)
        if p.is_identity:
            alikes = EMAIL_LOOK_ALIKES if "email" in p.name else LOOK_ALIKES
            for what, value in alikes.items():
                yield self.mutate(p, value, f"look-alike ({what})", strict=False)
            plain = "ada@example.com" if "email" in p.name else "tf_admin"
            for what, suffix in INVISIBLE.items():
                yield self.mutate(p, plain + suffix, f"look-alike ({what})", strict=not self.reads)
            raw = self._encode(self.pairs(**{p.name: plain + "\n"}))
            yield self.form(
                f"{p.name}: look-alike (trailing newline)",
                raw,
                strict=False,
                param=p.name,
                value=plain + "\n",
                never_stored=True,
            )

    def integer_probes(self, p: Param, *, ids: bool) -> Iterator[Probe]:
        if ids:
            # A search may find nothing; an optional reference may take 0 for "none" (PHP style).
            yield self.mutate(p, "-1", "id -1", strict=not self.reads)
            names_a_record = p.required or p.name in self.base
            # A documented minimum of 0 makes 0 a value (changeid 0: the default change).
            zero_is_a_value = p.schema.get("minimum") == 0
            strict = not self.reads and names_a_record and not zero_is_a_value
            yield self.mutate(p, "0", "id 0", strict=strict)
        for value in (*BIG_INTS, *NOT_INTS):
            yield self.mutate(p, value, f"not a 64-bit integer: {value!r}")
        # Past a 32-bit column (PostgreSQL refuses it there): a 4xx or a miss, never a 5xx.
        yield self.mutate(p, str(2**31), "one past 32 bits", strict=False)
        # Past Python's int() digit limit: checked as text before any conversion.
        yield self.mutate(p, "9" * 5_000, "5,000 digits")
        # Accepted as the number (no text to find verbatim) or refused; never a 5xx.
        raw = self._encode(self.pairs(**{p.name: "0001"}))
        yield self.form(f"{p.name}: leading zeros", raw, strict=False, param=p.name)
        yield self.mutate(p, SQL, "SQL metacharacters in a number")
        if not self.get:
            for number in (2**63, 1.5):
                yield self.json(f"{p.name}: JSON number {number}", {**self.base, p.name: number})

    def path_level(self) -> Iterator[Probe]:
        prefix = self.ep.path.split("{", 1)[0]
        for what, segment in (
            ("NUL byte", "a%00b"),
            ("invalid UTF-8", "%FF%FE"),
            ("10,000 characters", "c" * 10_000),
            ("SQL metacharacters", quote(SQL, safe="")),
            ("HTML metacharacters", quote(HTML, safe="")),
            ("dot segments", "..%2F..%2Fetc%2Fpasswd"),
        ):
            yield Probe(f"path: {what}", path=prefix + segment)

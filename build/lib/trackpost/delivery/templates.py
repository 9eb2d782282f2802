"""The vendor's `%%variable%%` templates: parsed and checked once when saved, rendered per delivery.

Grammar (docs/postbacks.md has the reader's version):
    %%name%%                        the variable's value
    %%name|mod|mod...%%             modifiers applied left to right
    %%if|name=match:output%%        `output` when the variable equals `match`, else empty
Modifiers: `default:X` (X when the value so far is empty), `transform:NAME` or the bare NAME
(md5, base64, urlencode, lower, upper), `raw` (no automatic encoding). An empty variable with no
`default` anywhere in its chain becomes its own name, as the vendor documents, before the
transforms run. Values are encoded for where they land (a URL or form body: percent-encoded; a
JSON body: JSON string-escaped) unless the chain says `raw` or already `urlencode`s.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from trackpost.delivery.errors import InvalidTemplate

Context = Literal["url", "form", "json"]

SUBAFFS = tuple(f"subaff{i}" for i in range(1, 6))
# Contact fields of the customer, offered as cust_<field> unless the offer hides personal data.
CUSTOMER_FIELDS = (
    "firstname",
    "lastname",
    "email",
    "username",
    "phone",
    "address1",
    "address2",
    "city",
    "state",
    "country",
    "zip",
    *(f"custom{i}" for i in range(1, 6)),
)
CUSTOMER_VARIABLES = tuple(f"cust_{name}" for name in CUSTOMER_FIELDS)
STANDARD_VARIABLES: frozenset[str] = frozenset(
    {
        "aff_id",
        "aff_username",
        "offer_id",
        "landing_page_id",
        "aff_campaign",
        "aff_approved",
        "transid",
        "click_hash",
        "orderid",
        *SUBAFFS,
        "_ocid",
        "external_clickid",
        "commission",
        "amount",
        "currency",
        "event",
        "goal_id",
        "country",
        "device_type_name",
        "customer_id",
        "event_id",
        "timestamp",
        *CUSTOMER_VARIABLES,
    }
)
# A name in one of these families must be a standard one: `cust_emial` or `subaff6` is a typo,
# not a pass-through parameter of the click.
_FAMILIES = ("aff_", "offer_", "cust_", "subaff", "landing_", "click_", "goal", "delivery_")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
TRANSFORMS: dict[str, Callable[[str], str]] = {
    "md5": lambda v: hashlib.md5(v.encode(), usedforsecurity=False).hexdigest(),
    "base64": lambda v: base64.b64encode(v.encode()).decode("ascii"),
    "urlencode": lambda v: quote(v, safe=""),
    "lower": str.lower,
    "upper": str.upper,
}
MAX_TEMPLATE = 4096


@dataclass(frozen=True)
class Modifier:
    kind: Literal["default", "transform", "raw"]
    arg: str = ""


@dataclass(frozen=True)
class Macro:
    """One `%%...%%`: a variable (or an `if`) and its modifiers."""

    name: str
    modifiers: tuple[Modifier, ...]
    match: str | None = None  # set for `if`
    output: str = ""

    @property
    def has_default(self) -> bool:
        return any(m.kind == "default" for m in self.modifiers)

    @property
    def encodes(self) -> bool:
        """Whether rendering should encode the result for its context."""
        return not any(
            m.kind == "raw" or (m.kind == "transform" and m.arg == "urlencode")
            for m in self.modifiers
        )

    def value(self, values: Mapping[str, str | None]) -> str:
        raw = values.get(self.name)
        if self.match is not None:
            result = self.output if (raw or "") == self.match else ""
        else:
            result = raw or ""
            if not result and not self.has_default:
                result = self.name  # the vendor's documented trap, kept for compatibility
        for mod in self.modifiers:
            if mod.kind == "default":
                result = result or mod.arg
            elif mod.kind == "transform":
                result = TRANSFORMS[mod.arg](result)
        return result


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and macros, in order."""

    source: str
    pieces: tuple[str | Macro, ...]

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(p.name for p in self.pieces if isinstance(p, Macro))

    def render(self, values: Mapping[str, str | None], context: Context = "url") -> str:
        out: list[str] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            value = piece.value(values)
            if piece.encodes:
                value = json.dumps(value)[1:-1] if context == "json" else quote(value, safe="")
            out.append(value)
        return "".join(out)


def body_context(body: str) -> Context:
    """A body template is JSON when it opens like JSON, else a form body."""
    return "json" if body.lstrip()[:1] in ("{", "[") else "form"


def _fail(param: str, position: int, problem: str, hint: str = "") -> InvalidTemplate:
    return InvalidTemplate(f"Parameter '{param}': {problem} at position {position + 1}{hint}.")


def check_name(name: str, param: str, position: int) -> None:
    """A standard variable, or a pass-through name outside the standard families."""
    if name in STANDARD_VARIABLES:
        return
    if not _NAME_RE.fullmatch(name):
        raise _fail(param, position, f"{name[:64]!r} is not a variable name")
    close = difflib.get_close_matches(name, sorted(STANDARD_VARIABLES), n=1, cutoff=0.85)
    if close or name.lower().startswith(_FAMILIES) or name.lower() in STANDARD_VARIABLES:
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise _fail(param, position, f"unknown variable %%{name}%%{hint}")


def _modifier(text: str, param: str, position: int) -> Modifier:
    kind, sep, arg = text.partition(":")
    if kind == "default" and sep:
        return Modifier("default", arg)
    if kind == "transform" and arg in TRANSFORMS:
        return Modifier("transform", arg)
    if not sep and kind in TRANSFORMS:
        return Modifier("transform", kind)
    if text == "raw":
        return Modifier("raw")
    known = "default:X, transform:" + "|".join(TRANSFORMS) + ", raw"
    raise _fail(param, position, f"unknown modifier {text[:64]!r}", f" (known: {known})")


def _macro(spec: str, param: str, start: int) -> Macro:
    parts = spec.split("|")
    offsets = [start]
    for part in parts[:-1]:
        offsets.append(offsets[-1] + len(part) + 1)
    if parts[0] == "if":
        if len(parts) < 2:
            raise _fail(param, start, "`if` needs name=match:output")
        cond = parts[1]
        name, eq, rest = cond.partition("=")
        match, colon, output = rest.partition(":")
        if not eq or not colon:
            raise _fail(param, offsets[1], f"`if` needs name=match:output, got {cond[:64]!r}")
        check_name(name, param, offsets[1])
        mods = tuple(_modifier(p, param, o) for p, o in zip(parts[2:], offsets[2:], strict=True))
        return Macro(name, mods, match=match, output=output)
    check_name(parts[0], param, start)
    mods = tuple(_modifier(p, param, o) for p, o in zip(parts[1:], offsets[1:], strict=True))
    return Macro(parts[0], mods)


def parse(source: str, param: str = "url") -> Template:
    """Parse and check a template; InvalidTemplate (400) names the parameter and the position."""
    if len(source) > MAX_TEMPLATE:
        raise InvalidTemplate(f"Parameter '{param}' is longer than {MAX_TEMPLATE} characters.")
    pieces: list[str | Macro] = []
    pos = 0
    while True:
        opening = source.find("%%", pos)
        if opening < 0:
            break
        closing = source.find("%%", opening + 2)
        if closing < 0:
            raise _fail(param, opening, "'%%' is never closed")
        spec = source[opening + 2 : closing]
        if not spec:
            raise _fail(param, opening, "'%%%%' names no variable")
        if opening > pos:
            pieces.append(source[pos:opening])
        pieces.append(_macro(spec, param, opening + 2))
        pos = closing + 2
    if pos < len(source):
        pieces.append(source[pos:])
    return Template(source, tuple(pieces))


def parse_url(source: str, param: str = "url") -> Template:
    """A URL template: http or https, with a literal host (it is checked again at send time)."""
    template = parse(source, param)
    head = template.pieces[0] if template.pieces else ""
    if not isinstance(head, str) or not re.match(r"https?://[^/?#%\s]+", head, re.IGNORECASE):
        raise InvalidTemplate(
            f"Parameter '{param}' must start with http:// or https:// and a host name "
            "(no variable in the scheme or host)."
        )
    if any(ch.isspace() for p in template.pieces if isinstance(p, str) for ch in p):
        raise InvalidTemplate(f"Parameter '{param}' must not contain spaces or line breaks.")
    return template

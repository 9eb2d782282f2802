"""The vendor's Smarty-style dump templates, translated to sandboxed Jinja: never evaluated as code.

The subset: `{$name}`, `{$a.b.c}` (a dict path: `{$affiliate.Payvia.Pay_To}`), modifiers
`{$x|upper}`, `{$x|pad:22}`, `{$x|default:"USD"}`, `{$x|default:$y}`; `{if cond}`,
`{elseif cond}`, `{else}`, `{/if}` with ==, !=, <, >, <=, >=, eq, ne, neq, gt, lt, and, or,
not, &&, ||, ! and parentheses; `{ldelim}` and `{rdelim}` for literal braces. A `{` that starts
none of these is text, as Smarty treats `{` before a space. The translation accepts only these
tokens and the filters in FILTERS, and the result runs in Jinja's SandboxedEnvironment with its
own delimiters (control characters no template may contain), so a template can only read the
values it is given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from jinja2 import TemplateSyntaxError, Undefined
from jinja2.sandbox import SandboxedEnvironment

from trackpost.core.errors import InvalidParameter

VS, VE, BS, BE = "\x02{", "}\x03", "\x02%", "%\x03"
_TAG_RE = re.compile(r"\{(\$[^{}\n]*|if\s[^{}\n]*|elseif\s[^{}\n]*|else|/if|ldelim|rdelim)\}")
_TOKEN_RE = re.compile(
    r"""\s*(?:
      (?P<var>\$[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9][A-Za-z0-9_]*)*)
    | (?P<str>"[^"\\]*"|'[^'\\]*')
    | (?P<num>-?[0-9]+(?:\.[0-9]+)?)
    | (?P<op>==|!=|<=|>=|&&|\|\||[<>()!|:])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_WORDS = {"eq": "==", "ne": "!=", "neq": "!=", "gt": ">", "lt": "<", "ge": ">=", "le": "<="}
_WORDS |= {"gte": ">=", "lte": "<=", "and": "and", "or": "or", "not": "not"}
_WORDS |= {"true": "true", "false": "false"}
_OPS = {"&&": "and", "||": "or", "!": "not"}


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, Undefined) else str(value)


def _csv(value: Any) -> str:
    """A CSV field (RFC 4180): quoted when it holds a comma, quote or line break."""
    text = _text(value)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _ascii(value: Any) -> str:
    folded = unicodedata.normalize("NFKD", _text(value)).encode("ascii", "ignore").decode()
    return "".join(c if c.isprintable() else " " for c in folded)


def _sepa(value: Any) -> str:
    """Text in the SEPA Latin character set, XML-escaped."""
    return xml_escape(re.sub(r"[^A-Za-z0-9/?:().,'+ -]", " ", _ascii(value)))


def _pad(value: Any, width: Any = 0) -> str:
    return _text(value)[: int(width)].ljust(int(width))


def _lpad(value: Any, width: Any = 0) -> str:
    return _text(value)[-int(width) :].rjust(int(width)) if int(width) else ""


def _zpad(value: Any, width: Any = 0) -> str:
    return _text(value)[-int(width) :].rjust(int(width), "0") if int(width) else ""


def _digits(value: Any) -> str:
    return re.sub(r"[^0-9]", "", _text(value))


def _one_line(value: Any) -> str:
    return re.sub(r"[\t\r\n]+", " ", _text(value))


def _truncate(value: Any, width: Any = 255) -> str:
    return _text(value)[: int(width)]


def _default(value: Any, fallback: Any = "") -> Any:
    return fallback if _text(value) == "" else value


FILTERS: dict[str, Callable[..., Any]] = {
    "csv": _csv,
    "xml": lambda v: xml_escape(_text(v), {'"': "&quot;"}),
    "sepa": _sepa,
    "ascii": _ascii,
    "upper": lambda v: _text(v).upper(),
    "lower": lambda v: _text(v).lower(),
    "trim": lambda v: _text(v).strip(),
    "pad": _pad,
    "lpad": _lpad,
    "zpad": _zpad,
    "digits": _digits,
    "alnum": lambda v: re.sub(r"[^A-Za-z0-9]", "", _text(v)).upper(),
    "iif": _one_line,
    "tsv": _one_line,
    "truncate": _truncate,
    "default": _default,
}


def _tokens(src: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos, src = 0, src.rstrip()
    while pos < len(src):
        m = _TOKEN_RE.match(src, pos)
        if m is None or m.end() == pos or m.lastgroup is None:
            raise ValueError(f"cannot read {src[pos : pos + 20]!r}")
        out.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    return out


def _operand(kind: str, tok: str) -> str:
    if kind == "var":
        return tok[1:]
    if kind in ("str", "num"):
        return tok
    raise ValueError(f"{tok!r} is not a value")


def _expression(src: str, *, condition: bool) -> str:
    """One Smarty expression as Jinja, refusing any token outside the subset."""
    toks = _tokens(src)
    out: list[str] = []
    i = 0
    while i < len(toks):
        kind, tok = toks[i]
        i += 1
        if tok == "|" and out:
            if i >= len(toks) or toks[i][0] != "word" or toks[i][1] not in FILTERS:
                name = toks[i][1] if i < len(toks) else ""
                raise ValueError(f"{name!r} is not a modifier ({', '.join(sorted(FILTERS))})")
            name = toks[i][1]
            i += 1
            args = []
            while i + 1 < len(toks) and toks[i][1] == ":":
                args.append(_operand(*toks[i + 1]))
                i += 2
            out.append(f"|{name}({', '.join(args)})" if args else f"|{name}")
        elif kind in ("var", "str", "num"):
            out.append(_operand(kind, tok))
        elif condition and kind == "op" and tok in _OPS:
            out.append(f" {_OPS[tok]} ")
        elif condition and kind == "op" and tok not in (":", "|"):
            out.append(f" {tok} ")
        elif condition and kind == "word" and tok in _WORDS:
            out.append(f" {_WORDS[tok]} ")
        else:
            raise ValueError(f"{tok!r} is not allowed here")
    if not out:
        raise ValueError("an expression is empty")
    return "".join(out)


def translate(source: str) -> str:
    """A vendor template as Jinja source with this module's delimiters; ValueError if unsafe."""
    if any(c in source for c in "\x02\x03"):
        raise ValueError("contains control characters")
    out: list[str] = []
    depth, pos = 0, 0
    for m in _TAG_RE.finditer(source):
        out.append(source[pos : m.start()])
        pos = m.end()
        tag = m.group(1)
        if tag.startswith("$"):
            out.append(f"{VS} {_expression(tag, condition=False)} {VE}")
        elif tag == "ldelim" or tag == "rdelim":
            out.append("{" if tag == "ldelim" else "}")
        elif tag.startswith("if"):
            depth += 1
            out.append(f"{BS} if {_expression(tag[3:], condition=True)} {BE}")
        elif tag.startswith("elseif"):
            if not depth:
                raise ValueError("{elseif} outside an {if}")
            out.append(f"{BS} elif {_expression(tag[7:], condition=True)} {BE}")
        elif tag == "else":
            if not depth:
                raise ValueError("{else} outside an {if}")
            out.append(f"{BS} else {BE}")
        else:
            if not depth:
                raise ValueError("{/if} without its {if}")
            depth -= 1
            out.append(f"{BS} endif {BE}")
    if depth:
        raise ValueError("an {if} is not closed with {/if}")
    out.append(source[pos:])
    return "".join(out)


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        block_start_string=BS,
        block_end_string=BE,
        variable_start_string=VS,
        variable_end_string=VE,
        comment_start_string="\x02#",
        comment_end_string="#\x03",
        autoescape=False,
        keep_trailing_newline=True,
        finalize=_text,
    )
    env.filters = dict(FILTERS)
    env.tests = {}
    env.globals = {}
    return env


_ENV = _environment()


@lru_cache(maxsize=256)
def compile_template(source: str, name: str = "template") -> Any:
    """The compiled template; InvalidParameter naming the part when it is not in the subset."""
    try:
        return _ENV.from_string(translate(source))
    except (ValueError, TemplateSyntaxError) as exc:
        raise InvalidParameter(f"Dump template part '{name}' is not valid: {exc}.") from None


def render(source: str, context: Mapping[str, Any], name: str = "template") -> str:
    """Render one template part with the given values."""
    template = compile_template(source, name)
    try:
        text: str = template.render(dict(context))
    except Exception as exc:  # a modifier given a bad argument (|pad:"x"), say
        raise InvalidParameter(f"Dump template part '{name}' cannot be rendered: {exc}.") from None
    return text

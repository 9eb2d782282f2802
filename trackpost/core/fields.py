"""The shared field vocabulary: ids, money, percentages, flags, dates, emails, URLs, IP lists.

Each type turns the vendor's loose form values into one exact value, or fails with a sentence the
validation layer puts into the 400 envelope under the parameter's name. Every domain builds its
parameter models from these; none defines its own id, email, flag or time format.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from trackpost.core.config import parse_networks
from trackpost.core.errors import InvalidParameter

MAX_ID = 2**63 - 1
# The words that mean "yes" wherever a flag is read by hand (query filters, postback switches).
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_MONEY_RE = re.compile(r"^\d{1,11}(?:\.\d{1,2})?$", re.ASCII)
# Any plain decimal: digits, an optional point, digits (one side may be empty, not both).
_ANY_DECIMAL_RE = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)
# A hundred billion in the base currency: far above any real amount, and within BIGINT cents.
MONEY_DIGITS = 11
_CENT = Decimal("0.01")
_PERCENT_RE = re.compile(r"^\d{1,3}(?:\.\d{1,2})?$", re.ASCII)
# One email rule for every endpoint: a local part, and a host of letter/digit/hyphen labels.
EMAIL_RE = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_CONTROL_RE = re.compile(r"[\x00-\x20\x7f]")


def aliased(name: str, value: str | None, alias: str, other: str | None) -> str | None:
    """One value sent under two names (subaff and its alias subaff1): the same twice is fine,
    two different values are a 400 naming both; blank is not sent."""
    value, other = value or None, other or None
    if value is not None and other is not None and value != other:
        raise InvalidParameter(
            f"Parameters '{name}' and '{alias}' are one parameter under two names, but differ "
            f"({value[:64]!r} and {other[:64]!r}); send one of them."
        )
    return value if value is not None else other


def is_true(value: object) -> bool:
    """A hand-read flag: one of TRUE_WORDS, any case, surrounding blanks ignored."""
    return str(value).strip().lower() in TRUE_WORDS


def id_value(value: object) -> int | None:
    """The one id grammar: 1 to 19 ASCII digits (or a JSON whole number), from 1 to MAX_ID."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    # Checked before int(): no signs, underscores, fractions or 5,000-digit strings reach it.
    if not (0 < len(text) <= 19 and text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_id(name: str, value: str | int) -> int:
    """A positive whole number, or a 400 naming the parameter."""
    number = id_value(value)
    if number is None:
        raise InvalidParameter(
            f"Parameter '{name}' must be a positive whole number, got {str(value)[:64]!r}."
        )
    return number


def _id(value: object) -> int:
    number = id_value(value)
    if number is None:
        raise ValueError("must be a positive whole number")
    return number


def email_problem(value: str) -> str | None:
    """Why a (stripped) text is not an email address, or None when it is one."""
    # Invisible format characters (zero-width space, bidi overrides) only serve impersonation.
    if not EMAIL_RE.match(value) or any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        return "must be an email address such as name@example.com"
    return None


def _blank_is_false(value: object) -> object:
    # A blank flag nested in a group (top-level blanks never get here: they are "not given").
    return False if value == "" else value


def decimal_money(text: str) -> int:
    """A decimal amount in the base currency ('9.95', '10.000', '9.9500') as cents.

    Any number of decimal places is read, rounded half up to the cent once, as the vendor's
    decimal columns store it; a ValueError says why anything else is not an amount.
    """
    text = text.strip()
    if _MONEY_RE.match(text):  # the common case: at most two decimals, nothing to round
        return int(Decimal(text) * 100)
    if not _ANY_DECIMAL_RE.match(text):
        if text[:1] == "-" and _ANY_DECIMAL_RE.match(text[1:]):
            raise ValueError("is negative; send a positive amount such as 9.95")
        if "e" in text.lower() and _ANY_DECIMAL_RE.match(text.lower().split("e", 1)[0]):
            raise ValueError("is in exponent form; send plain digits such as 9.95")
        raise ValueError("is not a number; send an amount in the base currency such as 9.95")
    whole = text.partition(".")[0]
    if len(whole.lstrip("0")) > MONEY_DIGITS:
        raise ValueError(f"is too large: at most {MONEY_DIGITS} digits before the decimal point")
    if len(text) > 64:
        raise ValueError("has too many digits: at most 64 characters")
    # Decimal(text) is exact and quantize rounds once; multiplying first would round to the
    # context's 28 digits (half even) before our half-up rounding.
    return int(Decimal(text).quantize(_CENT, rounding=ROUND_HALF_UP) * 100)


def _money(value: object) -> int:
    try:
        return decimal_money(str(value))
    except ValueError as exc:
        raise ValueError(f"{exc} (an amount in the base currency such as 12.50)") from None


def _percent(value: object) -> int:
    text = str(value).strip()
    if not _PERCENT_RE.match(text):
        raise ValueError("must be a percentage from 0 to 100, such as 25 or 12.5")
    basis_points = int(Decimal(text) * 100)
    if basis_points > 10_000:
        raise ValueError("must be a percentage from 0 to 100, such as 25 or 12.5")
    return basis_points


# The value that clears an optional field on edits (a blank one is "not given"), as the vendor's
# set_customer_details documents it.
CLEAR = "REMOVE"


def parse_when(value: object) -> dt.datetime | None:
    """A date as the vendor's strtotime took it: ISO or Y/m/d text, or a unix timestamp; REMOVE
    (or a blank, for the report's own reading) is None."""
    text = str(value).strip()
    if text == "" or text == CLEAR:
        return None
    if text.lower() == "now":
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if text.isascii() and text.isdigit() and len(text) <= 11:
        return in_date_range(dt.datetime.fromtimestamp(int(text), dt.UTC))
    candidate = text.replace("/", "-")
    if candidate.endswith(("z", "Z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(candidate)
    except ValueError:
        raise ValueError(
            "must be a date such as 2026-03-20, 2026/03/20 14:00:00 or a unix timestamp"
        ) from None
    if parsed.tzinfo is None:
        return in_date_range(parsed.replace(tzinfo=dt.UTC))
    try:
        return in_date_range(parsed.astimezone(dt.UTC))
    except OverflowError:
        raise ValueError(OUT_OF_RANGE) from None


# Reports and searches add days and time-zone offsets to the dates they are given: bounded so
# that no such arithmetic can overflow, and wide enough for any real record.
FIRST_YEAR, LAST_YEAR = 1900, 2999
OUT_OF_RANGE = f"must be a date between {FIRST_YEAR} and {LAST_YEAR}"


def in_date_range(value: dt.datetime) -> dt.datetime:
    """The value, or a ValueError when its year is outside FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(OUT_OF_RANGE)
    return value


def _url(value: str) -> str:
    """An absolute http(s) URL whose scheme and host are fixed, so a redirect cannot leave them."""
    text = value.strip()
    if _CONTROL_RE.search(text):
        raise ValueError("must be a URL without spaces or control characters")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http:// or https:// URL")
    if "%%" in parts.netloc or "@" in parts.netloc:
        raise ValueError("must not carry macros or credentials in its host part")
    return text


def _email(value: str) -> str:
    text = value.strip()
    problem = email_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _ip_list(value: object) -> str:
    """A CSV (or list) of IPs or CIDR networks, stored normalised as 'a/nn,b/nn'; REMOVE empties."""
    value = php_list(value)
    raw = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if raw.strip() == CLEAR:
        return ""
    try:
        nets = parse_networks(raw, "list")
    except ValueError as exc:
        bad = str(exc).split(": ", 1)[-1]
        raise ValueError(
            f"must be a comma-separated list of IP addresses or networks ({bad})"
        ) from None
    return ",".join(str(n) for n in nets)


def php_list(value: object) -> object:
    """A PHP indexed array as http_build_query sends it (x[0]=a&x[1]=b arrives keyed by
    index) is a list, in index order; anything else is left as it is."""
    if isinstance(value, dict) and value and all(str(k).isdigit() for k in value):
        return [value[k] for k in sorted(value, key=lambda k: int(k))]
    return value


def _id_list(value: object) -> tuple[int, ...]:
    value = php_list(value)
    parts = value if isinstance(value, list) else str(value).split(",")
    ids: list[int] = []
    for part in parts:
        number = id_value(part if isinstance(part, int) else str(part))
        if number is None:
            raise ValueError("must be one id or a comma-separated list of ids")
        ids.append(number)
    if not ids or len(ids) > 1000:
        raise ValueError("must list between 1 and 1000 ids")
    return tuple(ids)


Id = Annotated[
    int,
    BeforeValidator(_id),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_ID}),
]
# For the few ids kept in 32-bit columns (payout methods): PostgreSQL refuses larger numbers.
MAX_SMALL_ID = 2**31 - 1
SmallId = Annotated[
    int,
    BeforeValidator(_id),
    Field(le=MAX_SMALL_ID),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_SMALL_ID}),
]
Flag = Annotated[bool, BeforeValidator(_blank_is_false)]
Money = Annotated[
    int,
    BeforeValidator(_money),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{0,11}(\.\d*)?$",
            "description": "in the base currency; more decimals are rounded half up to the cent",
            "examples": ["12.50"],
        }
    ),
]
Percent = Annotated[
    int,
    BeforeValidator(_percent),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,3}(\.\d{1,2})?$", "examples": ["25"]}),
]
When = Annotated[
    dt.datetime | None,
    BeforeValidator(parse_when),
    WithJsonSchema(
        {"type": "string", "format": "tp-date", "examples": ["2026-03-20", "2026/03/20 14:00:00"]}
    ),
]
# The "tp-*" formats name trackpost's own value grammars in the OpenAPI document (a validator
# that does not know one ignores it); the schema fuzzer draws valid values for each.
Url = Annotated[
    str, Field(max_length=2048, json_schema_extra={"format": "tp-url"}), AfterValidator(_url)
]
OptionalUrl = Annotated[
    str,
    Field(
        max_length=2048,
        description="an http(s) URL; REMOVE clears it",
        json_schema_extra={"format": "tp-optional-url"},
    ),
    AfterValidator(lambda v: "" if v == CLEAR else v and _url(v)),
]
Email = Annotated[
    str, Field(max_length=255, json_schema_extra={"format": "tp-email"}), AfterValidator(_email)
]
IpList = Annotated[
    str,
    BeforeValidator(_ip_list),
    WithJsonSchema(
        {"type": "string", "format": "tp-ip-list", "examples": ["203.0.113.7,198.51.100.0/24"]}
    ),
]
IdList = Annotated[
    tuple[int, ...],
    BeforeValidator(_id_list),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(,\d+)*$", "examples": ["12,13"]}),
]
Str32 = Annotated[str, Field(max_length=32)]
Str64 = Annotated[str, Field(max_length=64)]
Str255 = Annotated[str, Field(max_length=255)]
Text = Annotated[str, Field(max_length=65_536)]


def _country_filter(value: str) -> str:
    code = value.strip().upper()
    if code == "0":
        return ""  # the vendor's "every country"
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as US (or 0 for every)")
    return code


# A report's country filter (filter_countryid): the code as clicks record it, '' for 0 (all).
CountryFilter = Annotated[str, Field(max_length=16), AfterValidator(_country_filter)]


def cents_text(cents: int | None) -> str | None:
    """Integer cents as the decimal string the vendor's API shows ('12.50')."""
    if cents is None:
        return None
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def iso(value: dt.datetime | None) -> str | None:
    """UTC timestamps as ISO 8601 with an offset, the API-wide convention."""
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:  # utcnow()'s and the database's are UTC already
        value = value.astimezone(dt.UTC)
    return value.isoformat()


def payout_text(kind: str, payout_type: str, amount: int) -> str | None:
    """A default payout in words, e.g. '5.00 per conversion' or '12.5% per continuity'."""
    if payout_type == "percent":
        pct = (
            str(Decimal(amount).scaleb(-2)).rstrip("0").rstrip(".")
            if amount % 100
            else str(amount // 100)
        )
        return f"{pct}% per {kind}"
    if amount:
        return f"{cents_text(amount)} per {kind}"
    return None

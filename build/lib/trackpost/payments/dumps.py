"""Payment dumps: the shipped formats, each payment's values, and the file for a set of payments.

A format has five parts (the vendor's): header, entry header, entry, entry footer, footer. A
stored payment's entry (entry header + entry + entry footer) is rendered once, when it is
stored, and kept with it; a dump file is the header, the kept entries and the footer, whose
values (count, total, date, NACHA's entry hash and blocks) come from the kept payments alone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import RowMapping

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import cents_text
from trackpost.payments.templates import render

FORMATS_DIR = Path(__file__).with_name("formats")
PARTS = ("header", "entry_header", "entry", "entry_footer", "footer")
FORMATS = {
    "csv": ("CSV", "text/csv"),
    "iif": ("QuickBooks IIF (checks)", "text/plain"),
    "nacha": ("NACHA ACH, PPD credits", "text/plain"),
    "paypal": ("PayPal Mass Pay", "text/tab-separated-values"),
    "sepa": ("SEPA credit transfer, pain.001.001.03", "application/xml"),
}
CONTACT = (
    "username",
    "email",
    "firstname",
    "lastname",
    "company",
    "address1",
    "address2",
    "city",
    "state",
    "zip_code",
    "country",
    "tel",
)
_PART_RE = re.compile(r"^### (header|entry_header|entry|entry_footer|footer)\n", re.MULTILINE)
NACHA_LINE = "9" * 94
Rec = RowMapping | Mapping[str, Any]  # a row, or a dict of the same columns


@dataclass(frozen=True)
class DumpFormat:
    name: str
    title: str
    media_type: str
    parts: Mapping[str, str]


@lru_cache(maxsize=16)
def dump_format(name: str) -> DumpFormat:
    """A shipped format by name; a 400 naming the choices for any other."""
    if name not in FORMATS:
        raise InvalidParameter(
            f"Parameter 'dump_format' must be one of {', '.join(sorted(FORMATS))} or a format "
            f"saved with save_dump_format, got {name!r}."
        )
    text = (FORMATS_DIR / f"{name}.tpl").read_text(encoding="utf-8")
    pieces = _PART_RE.split(text)[1:]
    parts = dict(zip(pieces[::2], pieces[1::2], strict=True))
    title, media = FORMATS[name]
    return DumpFormat(name, title, media, {p: parts.get(p, "") for p in PARTS})


def _local(value: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    return value.astimezone(zone)


def _nice(day: dt.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def entry_context(payment: Rec, frozen: Rec, zone: dt.tzinfo) -> dict[str, Any]:
    """Every value an entry may use, from the payment and what was frozen when it was stored."""
    contact = {k: frozen.get("contact", {}).get(k) or "" for k in CONTACT}
    fields = {str(k).replace(" ", "_"): v for k, v in frozen.get("fields", {}).items()}
    first = _local(payment["period_start"], zone).date()
    last = (_local(payment["period_end"], zone) - dt.timedelta(microseconds=1)).date()
    stored = _local(payment["stored_at"], zone)
    name = " ".join(p for p in (contact["firstname"], contact["lastname"]) if p)
    pay_to = fields.get("Pay_To") or name or contact["company"] or contact["username"]
    return {
        **contact,
        "paymentid": payment["paymentid"],
        "loginid": payment["loginid"],
        "pay_to": pay_to,
        "total": cents_text(payment["total"]),
        "total_cents": payment["total"],
        "fee": cents_text(payment["fee"]),
        "date": stored.date().isoformat(),
        "date_us": f"{stored:%m/%d/%Y}",
        "entry": {
            "start": first.isoformat(),
            "end": last.isoformat(),
            "start_nice": _nice(first),
            "end_nice": _nice(last),
            "number": payment["paymentid"],
        },
        "affiliate": {**contact, "loginid": payment["loginid"], "Payvia": fields},
        "payvia": {"name": frozen.get("payvia_name") or "", **frozen.get("vars", {})},
    }


def render_entry(fmt: DumpFormat, context: Mapping[str, Any]) -> str:
    """The entry header, entry and entry footer of one payment."""
    return "".join(
        render(fmt.parts[p], context, p) for p in ("entry_header", "entry", "entry_footer")
    )


def _entry_hash(frozen: Sequence[Rec]) -> str:
    """NACHA's entry hash: the sum of the receiving banks' 8-digit routing numbers, 10 digits."""
    total = 0
    for item in frozen:
        routing = re.sub(r"[^0-9]", "", str(item.get("fields", {}).get("Routing Number", "")))
        total += int(routing[:8] or 0)
    return f"{total % 10**10:010d}"


def batch_context(
    payments: Sequence[Rec], frozen: Sequence[Rec], zone: dt.tzinfo
) -> dict[str, Any]:
    """The header's and footer's values, from the kept payments only (so a dump never drifts)."""
    stamp = max(p["stored_at"] for p in payments).astimezone(zone)
    total = sum(int(p["total"]) for p in payments)
    records = len(payments) + 4  # NACHA: file header, batch header, entries, two controls
    blocks = -(-records // 10)
    first, last = payments[0]["paymentid"], payments[-1]["paymentid"]
    return {
        "count": len(payments),
        "total": cents_text(total),
        "total_cents": total,
        "date": stamp.date().isoformat(),
        "date_us": f"{stamp:%m/%d/%Y}",
        "datetime": stamp.replace(tzinfo=None, microsecond=0).isoformat(),
        "date_yymmdd": f"{stamp:%y%m%d}",
        "time_hhmm": f"{stamp:%H%M}",
        "batch_id": f"TP-{first}-{last}",
        "payvia": {"name": frozen[0].get("payvia_name") or "", **frozen[0].get("vars", {})},
        "nacha": {
            "entry_hash": _entry_hash(frozen),
            "block_count": blocks,
            "filler": "".join(NACHA_LINE + "\n" for _ in range(blocks * 10 - records)),
        },
    }


def frozen_parts(fmt: DumpFormat) -> dict[str, str]:
    """What a stored payment keeps of its format: its five parts and its media type."""
    return {**fmt.parts, "name": fmt.name, "title": fmt.title, "media": fmt.media_type}


def thawed(parts: Mapping[str, str]) -> DumpFormat:
    """The format as it was when a payment was stored."""
    return DumpFormat(parts["name"], parts["title"], parts["media"], {p: parts[p] for p in PARTS})


def render_file(fmt: DumpFormat, payments: Sequence[Rec], zone: dt.tzinfo) -> str:
    """The dump of these stored payments: header, their kept entries in order, footer.

    `fmt` is the format kept with the first payment when it was stored, so a format edited
    since changes no file of payments stored before.
    """
    frozen = [json.loads(p["frozen"] or "{}") for p in payments]
    context = batch_context(payments, frozen, zone)
    body = "".join(p["dump_entry"] or "" for p in payments)
    header = render(fmt.parts["header"], context, "header")
    return header + body + render(fmt.parts["footer"], context, "footer")


SAMPLE_PAYMENT = {
    "paymentid": 1,
    "loginid": 2,
    "total": 4900,
    "fee": 100,
    "period_start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    "period_end": dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
    "stored_at": dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
}
SAMPLE_FROZEN: dict[str, Any] = {
    "payvia_name": "Check",
    "fields": {"Pay To": "Ann Lee", "Routing Number": "021000021"},
    "contact": {"username": "ann", "email": "ann@example.com"},
    "vars": {"currency": "USD"},
}


def check(fmt: DumpFormat) -> None:
    """Render every part with sample values: a 400 naming the part that cannot be rendered."""
    entry = entry_context(SAMPLE_PAYMENT, SAMPLE_FROZEN, dt.UTC)
    render_entry(fmt, entry)
    batch = batch_context([SAMPLE_PAYMENT], [SAMPLE_FROZEN], dt.UTC)
    render(fmt.parts["header"], batch, "header")
    render(fmt.parts["footer"], batch, "footer")

"""Payout periods' settings, who is paid on which, and the payvia settings; never commits."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection

from trackpost.affiliates import service as affiliates
from trackpost.core.db import utcnow
from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import cents_text, iso
from trackpost.core.money import rate_text
from trackpost.core.origin import Origin
from trackpost.core.payperiods import PeriodSpec, bounds, parse_spec, previous
from trackpost.payments import dumps
from trackpost.payments import repository as repo
from trackpost.payments import setup_repository as setup
from trackpost.payments.errors import (
    AffiliateNotFound,
    PayviaNotFound,
    PeriodInUse,
    PeriodNotFound,
)
from trackpost.payments.schemas import (
    AddPeriod,
    EditPeriod,
    SaveDumpFormat,
    SetAffiliatePayment,
    SetPayviaSettings,
)
from trackpost.payments.service import audit
from trackpost.payments.terms import format_of

Range = tuple[dt.datetime, dt.datetime]


def period_out(
    row: Any, enabled_for: set[int], zone: dt.tzinfo, now: dt.datetime
) -> dict[str, Any]:
    spec = parse_spec(str(row["spec"]))
    lo, hi = bounds(spec, now, zone)
    return {
        "periodid": str(row["periodid"]),
        "spec": row["spec"],
        "description": row["description"],
        "delay": row["delay"],
        "enabled": bool(row["enabled"]),
        "default": bool(row["is_default"]),
        "auto_store": bool(row["auto_store"]),
        "enabled_affiliates": [str(i) for i in sorted(enabled_for)],
        "current_start": iso(lo),
        "current_end": iso(hi),
    }


def list_periods(conn: Connection, zone: dt.tzinfo) -> list[dict[str, Any]]:
    allowed = setup.period_affiliates(conn)
    now = utcnow()
    return [
        period_out(r, allowed.get(int(r["periodid"]), set()), zone, now)
        for r in setup.periods(conn)
    ]


def add_period(conn: Connection, params: AddPeriod, origin: Origin) -> int:
    now = utcnow()
    values = params.model_dump() | {"created_at": now, "updated_at": now}
    if not params.enabled and params.is_default:
        raise InvalidParameter("Parameter 'default': a disabled period cannot be the default.")
    periodid = setup.insert_period(conn, values)
    audit(conn, origin, "add_period", {"periodid": periodid, **params.model_dump()})
    return periodid


def edit_period(conn: Connection, params: EditPeriod, origin: Origin) -> None:
    row = setup.period(conn, params.periodid, lock=True)
    if row is None:
        raise PeriodNotFound(f"Parameter 'periodid': no payout period {params.periodid}.")
    changes = params.model_dump(exclude_none=True, exclude={"periodid"})
    merged = {**dict(row), **changes}
    if row["is_default"] and changes.get("is_default") is False:
        raise InvalidParameter(
            "Parameter 'default': make another period the default instead of unsetting this one."
        )
    if merged["is_default"] and not merged["enabled"]:
        raise InvalidParameter("Parameter 'enabled': the default period cannot be disabled.")
    if changes:
        setup.update_period(conn, params.periodid, {**changes, "updated_at": utcnow()})
    before = {k: row[k] for k in changes}
    audit(
        conn,
        origin,
        "edit_period",
        {"periodid": params.periodid, "before": before, "after": changes},
    )


def set_period_affiliates(
    conn: Connection, periodid: int, loginids: tuple[int, ...], origin: Origin
) -> None:
    if setup.period(conn, periodid, lock=True) is None:
        raise PeriodNotFound(f"Parameter 'periodid': no payout period {periodid}.")
    missing = set(loginids) - set(repo.payees(conn, loginids))
    if missing:
        raise AffiliateNotFound(f"Parameter 'loginids': no account {min(missing)}.")
    setup.set_period_affiliates(conn, periodid, loginids)
    audit(conn, origin, "set_period_affiliates", {"periodid": periodid, "loginids": list(loginids)})


def set_affiliate_payment(conn: Connection, params: SetAffiliatePayment, origin: Origin) -> None:
    """An account's period (0: the default) and instant payment; a disabled period only if allowed."""
    if params.loginid not in repo.payees(conn, [params.loginid]):
        raise AffiliateNotFound(f"Parameter 'loginid': no account {params.loginid}.")
    current = setup.profile(conn, params.loginid)
    periodid = current["periodid"] if current else None
    if params.periodid is not None:
        periodid = params.periodid or None
    if periodid is not None and params.periodid:
        row = setup.period(conn, periodid)
        if row is None:
            raise PeriodNotFound(f"Parameter 'periodid': no payout period {periodid}.")
        allowed = setup.period_affiliates(conn).get(periodid, set())
        if not row["enabled"] and params.loginid not in allowed:
            raise PeriodInUse(
                f"Payout period {periodid} is disabled: enable it for loginid {params.loginid} "
                "first (set_period_affiliates), or choose an enabled period."
            )
    instant = params.instant if params.instant is not None else bool(current and current["instant"])
    setup.save_profile(
        conn, params.loginid, {"periodid": periodid, "instant": instant, "updated_at": utcnow()}
    )
    detail = {"periodid": periodid, "instant": instant}
    audit(conn, origin, "set_affiliate_payment", detail, loginid=params.loginid)


def payout_ranges(
    conn: Connection, loginid: int | None, now: dt.datetime, zone: dt.tzinfo
) -> tuple[Range, Range] | None:
    """The current and previous payout period of an account (or of the default period)."""
    spec = _spec_of(conn, loginid)
    if spec is None:
        return None
    current = bounds(spec, now, zone)
    return current, previous(spec, current[0], zone, 1)


def _spec_of(conn: Connection, loginid: int | None) -> PeriodSpec | None:
    rows = {int(r["periodid"]): r for r in setup.periods(conn)}
    chosen = None
    if loginid is not None:
        prof = setup.profile(conn, loginid)
        chosen = prof["periodid"] if prof else None
    if chosen is None:
        chosen = next((i for i, r in rows.items() if r["is_default"]), None)
    return parse_spec(str(rows[chosen]["spec"])) if chosen in rows else None


def payvia_list(conn: Connection) -> list[dict[str, Any]]:
    out = []
    for r in setup.payvias(conn):
        cost = int(r["cost_amount"] or 0)
        percent = r["cost_type"] == "percent"
        mins = [int(p) for p in str(r["minimums"] or "").split(",") if p.strip()]
        sign = "-" if cost < 0 else ""
        out.append(
            {
                "payvia_type_id": str(r["payvia_type_id"]),
                "name": r["name"],
                "enabled": bool(r["enabled"]),
                "minimums": [cents_text(m) for m in sorted(mins)],
                "cost_type": r["cost_type"] or "flat",
                "cost_amount": sign + rate_text(abs(cost)) if percent else cents_text(cost),
                "dump_format": r["dump_format"] or "csv",
                "dump_vars": json.loads(r["dump_vars"] or "{}"),
            }
        )
    return out


def set_payvia_settings(conn: Connection, params: SetPayviaSettings, origin: Origin) -> None:
    known = {int(r["payvia_type_id"]): r for r in setup.payvias(conn)}
    if params.payvia_type_id not in known:
        raise PayviaNotFound(f"Parameter 'payvia_type_id': no payvia {params.payvia_type_id}.")
    if params.dump_format is not None:
        format_of(conn, params.dump_format)  # a 400 naming the choices
    current = setup.setting(conn, params.payvia_type_id)
    values: dict[str, Any] = {"updated_at": utcnow()}
    if current is None:
        values |= {"minimums": "", "cost_type": "flat", "cost_amount": 0, "dump_format": "csv"}
        values["dump_vars"] = "{}"
    if params.minimums is not None:
        values["minimums"] = ",".join(str(m) for m in params.minimums)
    if params.cost_type is not None:
        values["cost_type"] = params.cost_type
    if params.cost_amount is not None:
        values["cost_amount"] = params.cost_amount  # cents, or basis points for a percentage
    if params.dump_format is not None:
        values["dump_format"] = params.dump_format
    if params.dump_vars is not None:
        values["dump_vars"] = json.dumps(params.dump_vars, sort_keys=True)
    kind = values.get("cost_type") or (current["cost_type"] if current else "flat")
    amount = values.get("cost_amount", current["cost_amount"] if current else 0)
    if kind == "percent" and abs(int(amount)) > 10_000:
        raise InvalidParameter("Parameter 'cost_amount': a percentage must be within -100 to 100.")
    setup.save_setting(conn, params.payvia_type_id, values)
    if params.enabled is not None:
        affiliates.set_payvia_enabled(conn, params.payvia_type_id, params.enabled)
    detail = params.model_dump(exclude_none=True)
    audit(conn, origin, "set_payvia_settings", detail)


def save_dump_format(conn: Connection, params: SaveDumpFormat, origin: Origin) -> bool:
    """An admin's own format, checked by rendering each part with sample values; True if new."""
    if params.name in dumps.FORMATS:
        raise InvalidParameter(
            f"Parameter 'name': {params.name!r} is a shipped format; save a copy under another name."
        )
    parts = {p: getattr(params, p) for p in dumps.PARTS}
    dumps.check(dumps.DumpFormat(params.name, params.title, params.media_type, parts))
    now = utcnow()
    values = {"title": params.title, "media_type": params.media_type, **parts, "updated_at": now}
    before = setup.dump_format(conn, params.name)
    new = setup.save_dump_format(
        conn, params.name, values | ({"created_at": now} if before is None else {})
    )
    detail = {"name": params.name, "before": dict(before) if before else None, "after": parts}
    audit(conn, origin, "save_dump_format", detail)
    return new

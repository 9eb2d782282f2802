"""A payvia's terms: its settings (or the defaults), dump format, minimums and fee, and whether
a payment may be stored under them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from trackpost.core import payvia as payvia_rules
from trackpost.core.money import percent_of
from trackpost.payments import dumps
from trackpost.payments import repository as repo
from trackpost.payments import setup_repository as setup
from trackpost.payments.dumps import Rec

BANNED_STATUS = 2  # the vendor's affiliate status code for Banned
DEFAULT_FORMAT = "csv"


def settings_of(conn: Connection, payvia_type_id: int) -> dict[str, Any]:
    """A payvia's payment rules, with the defaults for a payvia never configured."""
    row = setup.setting(conn, payvia_type_id) if payvia_type_id else None
    if row is None:
        return {
            "minimums": "",
            "cost_type": "flat",
            "cost_amount": 0,
            "dump_format": DEFAULT_FORMAT,
            "dump_vars": "{}",
        }
    return dict(row)


def format_of(conn: Connection, name: str) -> dumps.DumpFormat:
    """A shipped format, or an admin's own; a 400 naming the choices for an unknown name."""
    if name not in dumps.FORMATS:
        row = setup.dump_format(conn, name)
        if row is not None:
            parts = {p: str(row[p]) for p in dumps.PARTS}
            return dumps.DumpFormat(name, str(row["title"]), str(row["media_type"]), parts)
    return dumps.dump_format(name)


def minimums(setting: Rec) -> list[int]:
    return sorted(int(p) for p in str(setting["minimums"]).split(",") if p.strip())


def minimum_of(payee: Rec, setting: Rec) -> int:
    """The affiliate's minimum payout, never below the lowest its payvia offers."""
    offered = minimums(setting)
    lowest = offered[0] if offered else 0
    own = payee["minimum_payout"]
    return max(int(own), lowest) if own is not None else lowest


def fee_of(setting: Rec, subtotal: int) -> int:
    """The payvia's cost on a payment (negative: a bonus); none on nothing owed."""
    if subtotal <= 0:
        return 0
    amount = int(setting["cost_amount"])
    return percent_of(subtotal, amount) if setting["cost_type"] == "percent" else amount


def details_problem(conn: Connection, loginid: int, setting: Rec) -> str | None:
    """Why the account's payout details cannot go into the payvia's dump, or None."""
    info = repo.payvia_info(conn, [loginid]).get(loginid, [])
    return payvia_rules.format_problem(str(setting["dump_format"] or DEFAULT_FORMAT), info)


def payvia_details_problem(
    conn: Connection, payvia_type_id: int, pairs: list[tuple[str, str]]
) -> str | None:
    """Why details will not do for a payvia's dump format (affiliates checks them when set)."""
    setting = settings_of(conn, payvia_type_id)
    return payvia_rules.format_problem(str(setting["dump_format"] or DEFAULT_FORMAT), pairs)


def storable(payment: Rec, payee: Rec, setting: Rec, instant: bool) -> tuple[bool, int, int]:
    """(may it be stored, the amount after the fee, the minimum) for an open payment."""
    net = int(payment["total"]) - fee_of(setting, int(payment["total"]))
    minimum = minimum_of(payee, setting)
    ok = payee["status"] != BANNED_STATUS and net > 0 and (instant or net >= minimum)
    return ok, net, minimum

"""The shipped dump formats, byte for byte against golden files, and each against its rules."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from trackpost.payments import dumps

GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("TRACKPOST_UPDATE_GOLDEN") == "1"
UTC = dt.UTC
VARS = {
    "currency": "EUR",
    "debtor_name": "Trackpost Network GmbH",
    "debtor_iban": "DE89 3704 0044 0532 0130 00",
    "debtor_bic": "COBADEFFXXX",
    "destination_routing": "091000019",
    "destination_name": "Wells Fargo",
    "origin_id": "1234567890",
    "origin_name": "Trackpost Network",
    "company_name": "Trackpost",
    "company_id": "1234567890",
    "odfi_routing": "09100001",
    "bank_account": "Operating",
}
PAYEES = [
    (
        101,
        4900,
        {"username": "ann", "email": "ann@ex.com", "firstname": "Ann", "lastname": "Lee"},
        {
            "Pay To": "Ann Lee",
            "IBAN": "FR1420041010050500013M02606",
            "BIC": "PSSTFRPPLIL",
            "PayPal Email": "ann.pay@ex.com",
            "Routing Number": "021000021",
            "Account Number": "12345678",
            "Account Type": "Checking",
        },
    ),
    (
        102,
        123456,
        {
            "username": "zoe",
            "email": "zoe@ex.com",
            "company": 'Zoë "Z", O\'Brien & Co',
            "address1": "1 Rue de la Paix",
            "city": "Paris",
            "country": "FR",
        },
        {
            "IBAN": "DE89370400440532013000",
            "Routing Number": "011000015",
            "Account Number": "9876543210123",
            "Account Type": "Savings",
        },
    ),
    (
        103,
        5,
        {"username": "bob", "email": "bob@ex.com"},
        {
            "IBAN": "NL91ABNA0417164300",
            "Routing Number": "026009593",
            "Account Number": "555",
        },
    ),
]
EXT = {"csv": "csv", "paypal": "txt", "iif": "iif", "sepa": "xml", "nacha": "ach"}


def _payments(fmt: str) -> list[dict[str, Any]]:
    """Three stored payments of January 2026, their entries rendered as storing renders them."""
    out = []
    for pid, total, contact, fields in PAYEES:
        frozen = {
            "payvia_name": "Test payvia",
            "fields": fields,
            "contact": contact,
            "vars": VARS,
            "dump_format": fmt,
        }
        row: dict[str, Any] = {
            "paymentid": pid,
            "loginid": pid + 900,
            "total": total,
            "fee": 0,
            "period_start": dt.datetime(2026, 1, 1, tzinfo=UTC),
            "period_end": dt.datetime(2026, 2, 1, tzinfo=UTC),
            "stored_at": dt.datetime(2026, 2, 1, 0, 5, pid - 100, tzinfo=UTC),
            "frozen": json.dumps(frozen),
        }
        context = dumps.entry_context(row, frozen, UTC)
        row["dump_entry"] = dumps.render_entry(dumps.dump_format(fmt), context)
        out.append(row)
    return out


def _render(fmt: str) -> str:
    return dumps.render_file(dumps.dump_format(fmt), _payments(fmt), UTC)


@pytest.mark.parametrize("fmt", sorted(dumps.FORMATS))
def test_each_format_matches_its_golden_file_byte_for_byte(fmt: str) -> None:
    path = GOLDEN / f"payments.{EXT[fmt]}"
    data = _render(fmt).encode("utf-8")
    if UPDATE:
        path.write_bytes(data)
    assert data == path.read_bytes()


def test_csv_parses_back_with_one_row_per_payment() -> None:
    rows = list(csv.reader(io.StringIO(_render("csv"), newline="")))
    assert rows[0][:4] == ["Pay To", "Amount", "Period Start", "Period End"]
    assert [r[:4] for r in rows[1:]] == [
        ["Ann Lee", "49.00", "Jan 1, 2026", "Jan 31, 2026"],
        ['Zoë "Z", O\'Brien & Co', "1234.56", "Jan 1, 2026", "Jan 31, 2026"],
        ["bob", "0.05", "Jan 1, 2026", "Jan 31, 2026"],
    ]


def test_paypal_mass_pay_has_five_tab_separated_columns() -> None:
    lines = _render("paypal").splitlines()
    cols = [line.split("\t") for line in lines]
    assert [c[:4] for c in cols] == [
        ["ann.pay@ex.com", "49.00", "EUR", "TP101"],
        ["zoe@ex.com", "1234.56", "EUR", "TP102"],
        ["bob@ex.com", "0.05", "EUR", "TP103"],
    ]
    assert all(len(c) == 5 for c in cols)


def test_iif_balances_each_check() -> None:
    lines = _render("iif").splitlines()
    assert lines[:3] == [
        "!TRNS\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO",
        "!SPL\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO",
        "!ENDTRNS",
    ]
    body = lines[3:]
    assert len(body) == 9
    for trns, spl, end in zip(body[::3], body[1::3], body[2::3], strict=True):
        t, s = trns.split("\t"), spl.split("\t")
        assert (t[0], s[0], end) == ("TRNS", "SPL", "ENDTRNS")
        assert float(t[5]) + float(s[5]) == 0
        assert t[2] == "02/01/2026"


def test_sepa_is_valid_pain_001_001_03() -> None:
    xmlschema = pytest.importorskip("xmlschema")
    sepaxml = pytest.importorskip("sepaxml")
    xsd = Path(sepaxml.__file__).with_name("schemas") / "pain.001.001.03.xsd"
    schema = xmlschema.XMLSchema(str(xsd))
    text = _render("sepa")
    schema.validate(text)
    doc = schema.to_dict(text)
    grp = doc["CstmrCdtTrfInitn"]["GrpHdr"]
    assert (grp["NbOfTxs"], str(grp["CtrlSum"])) == ("3", "1283.61")
    assert "<Nm>Zoe  Z , O'Brien   Co</Nm>" in text


def test_nacha_records_are_94_characters_in_blocks_of_ten() -> None:
    lines = _render("nacha").split("\n")
    assert lines[-1] == ""  # the file ends with a newline
    records = lines[:-1]
    assert len(records) % 10 == 0
    assert {len(r) for r in records} == {94}
    kinds = [r[0] for r in records]
    assert kinds == ["1", "5", "6", "6", "6", "8", "9", "9", "9", "9"]
    entries = [r for r in records if r[0] == "6"]
    assert [e[1:3] for e in entries] == ["22", "32", "22"]
    assert [int(e[29:39]) for e in entries] == [4900, 123456, 5]
    hash_ = sum(int(e[3:11]) for e in entries) % 10**10
    batch, control = records[5], records[6]
    assert int(batch[10:20]) == hash_
    assert int(batch[32:44]) == 128361  # total credits
    assert (control[1:7], control[7:13], control[13:21]) == ("000001", "000001", "00000003")
    assert int(control[21:31]) == hash_

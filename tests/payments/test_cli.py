"""`trackpost payments build --as-of` as an operator runs it: idempotent, with progress."""

from __future__ import annotations

from tests.accounts.test_cli import run_cli
from tests.payments.conftest import Pay
from trackpost.core.config import Settings


def test_payments_build_builds_each_ended_period_once(pay: Pay, settings: Settings) -> None:
    pay.sale("2026-01-10")
    pay.sale("2026-02-10")
    done = run_cli(settings, "payments", "build", "--as-of", "2026-03-01")
    assert done.returncode == 0, done.stderr
    assert "built 2 period ends before 2026-03-01 00:00 UTC" in done.stdout
    assert "2 payments, 2 stored" in done.stdout
    assert "payments: 2/2 period ends" in done.stderr  # the last progress line
    again = run_cli(settings, "payments", "build", "--as-of", "2026-03-01")
    assert again.returncode == 0, again.stderr
    assert "built 0 period ends" in again.stdout
    assert [p["total"] for p in pay.payments()] == ["5.00", "5.00"]
    bad = run_cli(settings, "payments", "build", "--as-of", "March")
    assert bad.returncode == 2
    assert "must be a date such as 2026-04-01" in bad.stderr

"""A serve worker imports what serving needs: the heavy libraries of rare paths wait for them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Each was a share of a worker's memory (BENCHMARKS.md, "A worker's memory"): fpdf2 for PDF
# statements, aiohttp for the delivery worker's sends, psycopg for PostgreSQL only,
# python-stdnum for payout-detail checks.
LAZY = ("fpdf", "fontTools", "PIL", "aiohttp", "psycopg", "stdnum")


def _loaded_after(code: str, tmp_path: Path) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env["TRACKPOST_DATABASE_URL"] = f"sqlite:///{tmp_path / 'tp.db'}"
    env["TRACKPOST_DATA_DIR"] = str(tmp_path / "var")
    script = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_a_sqlite_worker_app_loads_none_of_the_rare_paths_libraries(tmp_path: Path) -> None:
    loaded = _loaded_after("import trackpost.app\ntrackpost.app.create_app()", tmp_path)
    assert not [name for name in LAZY if name in loaded]
    # The click's device parsing keeps ua-parser on its native engine.
    assert "ua_parser" in loaded


def test_the_rare_paths_still_find_their_libraries(tmp_path: Path) -> None:
    code = (
        "from trackpost.core.payvia import FIELD_RULES\n"
        "assert FIELD_RULES['iban']('DE89370400440532013000') is None\n"
        "assert 'IBAN' in FIELD_RULES['iban']('DE89370400440532013001')\n"
        "from trackpost.payments.statements import as_pdf\n"
        "figures = dict(paymentid=1, username='a', loginid=2, period_start='2026-01-01',\n"
        "    period_end='2026-01-31', state='Open', paid_at=None,\n"
        "    paid_reference=None, payvia_name=None, opening='0.00', rows=[],\n"
        "    payouts='0.00', adjustments='0.00', fees='0.00', total='0.00')\n"
        "assert as_pdf(figures).startswith(b'%PDF')\n"
    )
    loaded = _loaded_after(code, tmp_path)
    assert {"stdnum", "fpdf"} <= loaded

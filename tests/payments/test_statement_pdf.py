"""A payment's statement as PDF, through the API and the console."""

from __future__ import annotations

import re
import zlib

from starlette.testclient import TestClient

from tests.payments.conftest import Pay
from tests.ui.support import console_admin, sign_in


def _text(pdf: bytes) -> str:
    """The text drawn by the PDF's (Flate-compressed) content streams."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "".join(out)


def test_the_statement_as_pdf(pay: Pay, http: TestClient) -> None:
    pay.sale("2026-01-10")
    pay.sale("2026-01-11")
    pay.build("2026-02-01")
    (p,) = pay.payments()
    pid = p["paymentid"]
    pay.post("/api/payment/add_adjustment", paymentid=pid, amount="-1.00", reason="Bär fee ☃")
    resp = pay.api.get("/api/payment/statement", {"paymentid": pid, "format": "pdf"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["content-disposition"] == f'attachment; filename="statement-{pid}.pdf"'
    assert resp.content.startswith(b"%PDF-")
    drawn = _text(resp.content)
    for words in ("Payment statement", "Opening balance", r"Total \(stored\)", "9.00", "Bär fee ?"):
        assert words in drawn, words

    console_admin(pay.services.db, "boss")
    sign_in(http, "boss")
    page = http.get(f"/admin/payments/{pid}/statement.pdf")
    assert page.status_code == 200
    assert page.content.startswith(b"%PDF-")
    assert "Statement PDF" in http.get(f"/admin/payments/{pid}").text

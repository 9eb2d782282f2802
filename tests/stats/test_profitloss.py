"""GET /api/report/profitloss and /api/report/stats: views, filters, CSV, errors, the fold."""

from __future__ import annotations

import csv
import io

from tests.postbacks.network import Network
from tests.support import assert_error
from trackpost.stats import job

PL = "/api/report/profitloss"
STATS = "/api/report/stats"


def _pl(net: Network, **params: object) -> dict[str, dict[str, object]]:
    resp = net.api.get(PL, {"period": 7, **params})
    assert resp.status_code == 200, resp.text
    body: dict[str, dict[str, object]] = resp.json()
    return body


def _fold(net: Network, batch: int = job.BATCH) -> None:
    job.fold_all(net.services.db, 86400, batch)


def test_offer_view_counts_clicks_and_sales_before_and_after_the_fold(net: Network) -> None:
    net.click()
    net.click()
    net.convert(amount="19.95")
    before = _pl(net, view="offer")
    _fold(net)
    after = _pl(net, view="offer")
    assert before == after
    row = after[str(net.offer)]
    assert row["raw_clicks"] == 3
    assert row["conversions"] == 1
    assert row["income"] == "19.95"
    assert after["total"]["breakdown"] == "offer"
    assert after["total"]["raw_clicks"] == 3
    net.click()
    assert _pl(net, view="offer")[str(net.offer)]["raw_clicks"] == 4


def test_bad_view_and_filter_are_400(net: Network) -> None:
    assert_error(net.api.get(PL, {"view": "refurl"}), 400, "invalid_parameter", "view")
    assert_error(net.api.get(PL, {"view": "nope"}), 400, "invalid_parameter", "view")
    assert_error(
        net.api.get(PL, {"view": "subid1", "filter_countryid": "US"}),
        400,
        "invalid_parameter",
        "filter_countryid",
    )
    assert_error(net.api.get(PL, {"limit_mediabuy": 1}), 400, "invalid_parameter", "limit_mediabuy")


def test_bracket_params_and_csv(net: Network) -> None:
    net.convert(amount="5.00")
    body = _pl(net, **{"view": "login", "params[filter_offerid]": net.offer})
    assert body[str(net.affiliate)]["conversions"] == 1
    resp = net.api.get(PL, {"period": 7, "view": "login", "format": "csv"})
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0][0] == "affiliate"
    assert rows[1][0] == str(net.affiliate)
    stats = net.api.get(STATS, {"period": 7, "dims": "day,offer"}).json()
    assert stats["count"] == 1
    assert stats["rows"][0]["offer"] == net.offer

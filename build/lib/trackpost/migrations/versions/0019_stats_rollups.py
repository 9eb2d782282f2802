"""Statistics rollups: hourly sums by offer, page, affiliate, campaign, country, device and
advertiser (stats_hourly), by offer alone (stats_offer_hourly) and by subaffs
(stats_subaff_hourly), the fold's cursors
(stats_state) and each IP's newest click per offer for unique clicks (stats_seen).

Revision ID: 0019
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURES = (
    "raw_clicks",
    "unique_clicks",
    "conversions",
    "trials",
    "goals",
    "continuity",
    "refunds",
    "voids",
    "chargebacks",
    "reversals",
    "income",
    "refund_amount",
    "fees",
    "payout_affiliate",
    "payout_referral",
    "payout_manager",
    "payout_partner",
)
FACT_IDS = ("loginid", "offerid", "landing_pageid", "campaignid", "adtoolid", "programid")
FACT_TEXTS = (("country", 2), ("device_type", 16), ("device_os", 64), ("device_browser", 64))
SUBAFF_IDS = ("loginid", "offerid", "landing_pageid", "campaignid")
SUBAFF_TEXTS = tuple((f"subaff{i}", 255) for i in range(1, 6))
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _rollup(name: str, ids: Sequence[str], texts: Sequence[tuple[str, int]]) -> None:
    keys = ["hour", *ids, *(n for n, _ in texts)]
    op.create_table(
        name,
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in ids),
        *(sa.Column(c, sa.String(n), nullable=False) for c, n in texts),
        *(sa.Column(m, sa.BigInteger(), nullable=False) for m in MEASURES),
        sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _rollup("stats_hourly", (*FACT_IDS, "advertiserid"), FACT_TEXTS)
    op.create_index("ix_stats_hourly_offer", "stats_hourly", ["offerid", "hour"])
    op.create_index("ix_stats_hourly_login", "stats_hourly", ["loginid", "hour"])
    _rollup("stats_offer_hourly", ("offerid", "advertiserid"), ())
    _rollup("stats_subaff_hourly", SUBAFF_IDS, SUBAFF_TEXTS)
    op.create_index("ix_stats_subaff_hourly_login", "stats_subaff_hourly", ["loginid", "hour"])
    op.create_table(
        "stats_state",
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("click_cursor", BIGID, nullable=False),
        sa.Column("txn_cursor", BIGID, nullable=False),
        sa.Column("changes", BIGID, nullable=False),
        sa.Column("folded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stats_state")),
    )
    op.create_table(
        "stats_seen",
        sa.Column("offerid", BIGID, nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("offerid", "ip", name=op.f("pk_stats_seen")),
    )


def downgrade() -> None:
    op.drop_table("stats_seen")
    op.drop_table("stats_state")
    op.drop_index("ix_stats_subaff_hourly_login", table_name="stats_subaff_hourly")
    op.drop_table("stats_subaff_hourly")
    op.drop_table("stats_offer_hourly")
    op.drop_index("ix_stats_hourly_login", table_name="stats_hourly")
    op.drop_index("ix_stats_hourly_offer", table_name="stats_hourly")
    op.drop_table("stats_hourly")

"""Statistics by the network's local day: stats_offer_daily (day, offer, advertiser), and the
zone its days are in (stats_state.zone; NULL until the fold builds it from the hourly rows).

Revision ID: 0025
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0023"
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


def upgrade() -> None:
    op.create_table(
        "stats_offer_daily",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("offerid", sa.BigInteger(), nullable=False),
        sa.Column("advertiserid", sa.BigInteger(), nullable=False),
        *(sa.Column(m, sa.BigInteger(), nullable=False) for m in MEASURES),
        sa.PrimaryKeyConstraint(
            "day", "offerid", "advertiserid", name=op.f("pk_stats_offer_daily")
        ),
    )
    with op.batch_alter_table("stats_state") as batch:
        batch.add_column(sa.Column("zone", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stats_state") as batch:
        batch.drop_column("zone")
    op.drop_table("stats_offer_daily")

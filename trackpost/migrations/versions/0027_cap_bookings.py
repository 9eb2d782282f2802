"""The ledger rows each revenue or net-conversions cap counted, and the window they went into
(cap_bookings), so that a later refund, void, approval or new amount adjusts that window.

Revision ID: 0027
Revises: 0028
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cap_bookings",
        sa.Column("transactionid", sa.BigInteger(), nullable=False),
        sa.Column("capid", sa.BigInteger(), nullable=False),
        sa.Column("window_start", WHEN, nullable=False),
        sa.Column("loginid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("transactionid", "capid", name="pk_cap_bookings"),
    )
    op.create_index("ix_cap_bookings_capid_window", "cap_bookings", ["capid", "window_start"])


def downgrade() -> None:
    op.drop_index("ix_cap_bookings_capid_window", table_name="cap_bookings")
    op.drop_table("cap_bookings")

"""Index customers.clickid: click retention keeps a click while a customer names it.

Without it, the prune's check that no customer refers to a click read the whole customers
table once per click. Partial: a conversion named by tracking code (no click) costs it nothing.
Clickids grow with time, so new entries land at the index's end.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_customers_clickid",
        "customers",
        ["clickid"],
        sqlite_where=sa.text("clickid IS NOT NULL"),
        postgresql_where=sa.text("clickid IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_customers_clickid", table_name="customers")

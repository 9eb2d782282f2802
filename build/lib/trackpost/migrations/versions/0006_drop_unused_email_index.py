"""Drop ix_customers_email: every email lookup is case-insensitive and uses ix_customers_email_ci.

The plain index was never chosen by a query, yet every customer insert and every email change
paid for it (a conversion postback writes nine B-trees of the customers table; now eight).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_customers_email", table_name="customers")


def downgrade() -> None:
    op.create_index("ix_customers_email", "customers", ["email"])

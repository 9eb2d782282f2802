"""A customer's outbound deliveries: an index on (customer_id, id) for the console's section.

The customer page lists the customer's postbacks and webhooks newest first; without this index
that read would scan the outbox, which keeps every delivery ever made.

Revision ID: 0024
Revises: 0018
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_deliveries_customer", "deliveries", ["customer_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_customer", table_name="deliveries")

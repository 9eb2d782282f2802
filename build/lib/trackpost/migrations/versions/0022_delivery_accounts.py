"""Delivery: a customer's deliveries found by index, and a delay on account postbacks.

The console lists a customer's outbound deliveries (`/api/delivery/search?customer_id=`), which
read the whole outbox without an index on customer_id. An affiliate signup or account-change
postback may wait 12, 24 or 48 hours before it is sent, as the vendor's (`delay_hours`).

Revision ID: 0022
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_deliveries_customer_id", "deliveries", ["customer_id", "id"])
    with op.batch_alter_table("affiliate_postbacks") as batch:
        batch.add_column(sa.Column("delay_hours", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("affiliate_postbacks") as batch:
        batch.drop_column("delay_hours")
    op.drop_index("ix_deliveries_customer_id", table_name="deliveries")

"""The payment builds' ledger cursor: an index and two columns.

(The console's customer page lists the customer's deliveries through ix_deliveries_customer_id,
made by 0022.)

- payment_builds.cursor_payoutid and cursor_since, and the partial index
  ix_transactions_changed (updated_at of events changed after they were written): a payment
  build reads only the payee rows after the last build's cursor and those of transactions
  changed since, not every payee row of the ledger. A conversion's insert writes both times
  with one value, so it never writes to this index.

Revision ID: 0024
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)
_CHANGED = sa.text("updated_at > created_at")


def upgrade() -> None:
    op.create_index(
        "ix_transactions_changed",
        "transactions",
        ["updated_at"],
        sqlite_where=_CHANGED,
        postgresql_where=_CHANGED,
    )
    with op.batch_alter_table("payment_builds") as batch:
        batch.add_column(sa.Column("cursor_payoutid", BigId, nullable=True))
        batch.add_column(sa.Column("cursor_since", When, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_builds") as batch:
        batch.drop_column("cursor_since")
        batch.drop_column("cursor_payoutid")
    op.drop_index("ix_transactions_changed", table_name="transactions")

"""The console's list of locked customers: partial indexes of the locked rows in each list order.

Filtering the customer list on "locked" read the whole table in customer_id (or join date)
order looking for the few locked rows. These indexes hold only locked customers, so a page of
them is a short index read, and only a lock or an unlock writes to them. The statements name
the condition as the bare column (`WHERE customers.locked`), which SQLite needs to match a
partial index's WHERE (it does not equate `locked = 1` with `locked`).

Revision ID: 0017
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_customers_locked_id", ["customer_id"]),
    ("ix_customers_locked_joined", ["join_date", "customer_id"]),
)


def upgrade() -> None:
    for name, columns in _INDEXES:
        op.create_index(
            name,
            "customers",
            columns,
            sqlite_where=sa.text("locked"),
            postgresql_where=sa.text("locked"),
        )


def downgrade() -> None:
    for name, _ in reversed(_INDEXES):
        op.drop_index(name, table_name="customers")

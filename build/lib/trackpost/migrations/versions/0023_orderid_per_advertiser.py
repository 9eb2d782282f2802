"""Order ids are unique per advertiser, not per install.

Two advertisers whose billing systems number orders alike must not refuse each other's posts:
transactions gain `advertiserid` (backfilled from the offer, else the customer's advertiser),
and the unique key on `orderid` becomes one on (orderid, advertiserid). The index leads with
orderid, so an admin lookup by orderid alone (which may match several advertisers) uses it too.

Revision ID: 0023
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BACKFILL = (
    "UPDATE transactions SET advertiserid = COALESCE("
    "(SELECT o.advertiserid FROM offers o WHERE o.offerid = transactions.offerid), "
    "(SELECT c.advertiserid FROM customers c WHERE c.customer_id = transactions.customer_id))"
)


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("advertiserid", BigId, nullable=True))
    op.execute(_BACKFILL)
    with op.batch_alter_table("transactions") as batch:
        # Every row has a customer, and every customer an advertiser: none is left NULL (a NULL
        # would escape the unique index, since NULLs are distinct there).
        batch.alter_column("advertiserid", existing_type=BigId, nullable=False)
        batch.drop_constraint("uq_transactions_orderid", type_="unique")
        batch.create_index(
            "uq_transactions_orderid_advertiser", ["orderid", "advertiserid"], unique=True
        )


def downgrade() -> None:
    # Fails (as it must) when two advertisers hold the same orderid: one would have to go.
    with op.batch_alter_table("transactions") as batch:
        batch.drop_index("uq_transactions_orderid_advertiser")
        batch.create_unique_constraint("uq_transactions_orderid", ["orderid"])
        batch.drop_column("advertiserid")

"""Schema changes of the postbacks domain: Postbacks and the transaction lifecycle.

Adds to `transactions` what the ledger needs: who recorded an event, the percentage a payout
was computed at, the click's program/campaign/creative for the report's filters, the unique
index that lets a click convert only once, and a partial index for finding a sale's voids and
refunds (conversions, the hot insert, have no parent and cost it nothing). Seeds the cache version the postback path uses to notice changes
to the global IP lists.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
IPLISTS = "iplists"


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="advertiser")
        )
        batch_op.add_column(sa.Column("payout_percent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("programid", BigId, nullable=True))
        batch_op.add_column(sa.Column("campaignid", BigId, nullable=True))
        batch_op.add_column(sa.Column("adtoolid", BigId, nullable=True))
    # Partial indexes are created outside batch mode, which cannot carry their WHERE clause.
    op.create_index(
        "uq_transactions_click_initial",
        "transactions",
        ["click_hash"],
        unique=True,
        sqlite_where=sa.text("trans_type = 'initial'"),
        postgresql_where=sa.text("trans_type = 'initial'"),
    )
    op.create_index(
        "ix_transactions_parent",
        "transactions",
        ["parent_transactionid"],
        sqlite_where=sa.text("parent_transactionid IS NOT NULL"),
        postgresql_where=sa.text("parent_transactionid IS NOT NULL"),
    )
    versions = sa.table(
        "cache_versions", sa.column("name", sa.String), sa.column("version", sa.Integer)
    )
    op.bulk_insert(versions, [{"name": IPLISTS, "version": 0}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM cache_versions WHERE name = :name").bindparams(name=IPLISTS))
    op.drop_index("ix_transactions_parent", table_name="transactions")
    op.drop_index("uq_transactions_click_initial", table_name="transactions")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_column("adtoolid")
        batch_op.drop_column("campaignid")
        batch_op.drop_column("programid")
        batch_op.drop_column("payout_percent")
        batch_op.drop_column("source")

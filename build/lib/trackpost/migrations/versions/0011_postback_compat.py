"""Vendor-compatible postbacks: raw amounts, trials, set-aside customer fields, click pass-through
parameters and the failed-postback log.

- transactions.amount_raw: the amount as posted ('10.000'); `amount` holds it in cents.
- uq_transactions_click_initial also covers trials: a trial is the click's conversion.
- customers.set_aside: customer fields a post sent that could not be stored.
- clicks.extra: the link's custom pass-through parameters (cust_var...), as JSON.
- failed_postbacks: every refused advertiser post, for the admin's list and replay.

Revision ID: 0011
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OLD_WHERE = "trans_type = 'initial'"
_NEW_WHERE = "trans_type IN ('initial', 'trial')"


def _click_index(where: str) -> None:
    op.create_index(
        "uq_transactions_click_initial",
        "transactions",
        ["click_hash"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("amount_raw", sa.String(length=32), nullable=True))
    op.drop_index("uq_transactions_click_initial", table_name="transactions")
    _click_index(_NEW_WHERE)
    op.add_column("customers", sa.Column("set_aside", sa.Text(), nullable=True))
    with op.batch_alter_table("clicks") as batch:
        batch.add_column(sa.Column("extra", sa.Text(), nullable=True))
    op.create_table(
        "failed_postbacks",
        sa.Column("failedid", BigId, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("sender_ip", sa.String(length=64), nullable=True),
        sa.Column("advertiserid", BigId, nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("cookie_hash", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("replay_count", sa.Integer(), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replayed_by", sa.String(length=128), nullable=True),
        sa.Column("replay_answer", sa.Text(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("failedid", name=op.f("pk_failed_postbacks")),
    )
    op.create_index("ix_failed_postbacks_received_at", "failed_postbacks", ["received_at"])
    op.create_index(
        "ix_failed_postbacks_advertiserid", "failed_postbacks", ["advertiserid", "failedid"]
    )
    op.create_index("ix_failed_postbacks_code", "failed_postbacks", ["code", "failedid"])


def downgrade() -> None:
    op.drop_index("ix_failed_postbacks_code", table_name="failed_postbacks")
    op.drop_index("ix_failed_postbacks_advertiserid", table_name="failed_postbacks")
    op.drop_index("ix_failed_postbacks_received_at", table_name="failed_postbacks")
    op.drop_table("failed_postbacks")
    with op.batch_alter_table("clicks") as batch:
        batch.drop_column("extra")
    # Not in batch mode: rebuilding customers would lose its expression indexes on SQLite,
    # which has dropped columns in place since 3.35.
    op.drop_column("customers", "set_aside")
    # Trials become sales again: the old index covers only 'initial'.
    op.execute(sa.text("UPDATE transactions SET trans_type = 'initial' WHERE trans_type = 'trial'"))
    op.drop_index("uq_transactions_click_initial", table_name="transactions")
    _click_index(_OLD_WHERE)
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("amount_raw")

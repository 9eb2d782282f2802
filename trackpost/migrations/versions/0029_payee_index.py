"""Drop ix_transaction_payouts_loginid: every conversion wrote one random leaf of it per payee
(four with three referral tiers), and its one reader, the transaction report's payee net, reads
the period's transactions instead, as the report itself does (docs/commissions.md).

Revision ID: 0029
Revises: 0027
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_transaction_payouts_loginid", table_name="transaction_payouts")


def downgrade() -> None:
    op.create_index(
        "ix_transaction_payouts_loginid", "transaction_payouts", ["loginid", "transactionid"]
    )

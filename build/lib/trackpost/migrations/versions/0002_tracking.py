"""Schema changes of the tracking domain: affiliate managers.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "affiliate_managers",
        sa.Column("loginid", BigId, nullable=False),
        sa.Column("manager_loginid", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loginid"], ["logins.loginid"], name=op.f("fk_affiliate_managers_loginid_logins")
        ),
        sa.ForeignKeyConstraint(
            ["manager_loginid"],
            ["logins.loginid"],
            name=op.f("fk_affiliate_managers_manager_loginid_logins"),
        ),
        sa.PrimaryKeyConstraint("loginid", "manager_loginid", name=op.f("pk_affiliate_managers")),
    )


def downgrade() -> None:
    op.drop_table("affiliate_managers")

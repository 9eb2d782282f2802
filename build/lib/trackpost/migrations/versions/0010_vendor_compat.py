"""Vendor compatibility: the offer fields stored and returned only, and per-affiliate access.

`offer_groups`, `marketing_types`, `subject_lines` and `from_addresses` are the vendor's offer
fields trackpost has no concept for yet: kept and returned by get_details. `landing_page_access`
holds set_enabled_affiliates' overrides of a landing page's private and requestable settings,
which the click and get_links enforce.

Revision ID: 0010
Revises: 0011 (the head when it merged; ids are not in order)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OFFER_COLUMNS = ("offer_groups", "marketing_types", "subject_lines", "from_addresses")


def upgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        for name in OFFER_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
    op.create_table(
        "landing_page_access",
        sa.Column("landing_pageid", BigId, nullable=False),
        sa.Column("loginid", BigId, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=True),
        sa.Column("requestable", sa.Boolean(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["landing_pageid"],
            ["landing_pages.landing_pageid"],
            name=op.f("fk_landing_page_access_landing_pageid_landing_pages"),
        ),
        sa.ForeignKeyConstraint(
            ["loginid"], ["logins.loginid"], name=op.f("fk_landing_page_access_loginid_logins")
        ),
        sa.PrimaryKeyConstraint("landing_pageid", "loginid", name=op.f("pk_landing_page_access")),
    )
    op.create_index(op.f("ix_landing_page_access_loginid"), "landing_page_access", ["loginid"])


def downgrade() -> None:
    op.drop_index("ix_landing_page_access_loginid", table_name="landing_page_access")
    op.drop_table("landing_page_access")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        for name in reversed(OFFER_COLUMNS):
            batch_op.drop_column(name)

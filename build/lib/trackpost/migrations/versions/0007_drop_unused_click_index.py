"""Drop ix_clicks_loginid_created: no query reads clicks by affiliate and time.

Clicks are read by click_hash (postbacks) and clickid only. The index was kept for click
reports that do not exist, yet every click paid for it: its entries sort by affiliate, so a
batch of clicks from many affiliates dirtied one random page of it per click, the largest
write of a click at scale (BENCHMARKS.md). A click report should come with an index chosen for
its query.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_clicks_loginid_created", table_name="clicks")


def downgrade() -> None:
    op.create_index("ix_clicks_loginid_created", "clicks", ["loginid", "created_at"])

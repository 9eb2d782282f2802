"""The event log's cache version: moved by every change to what subscriptions want recorded.

Revision ID: 0028
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = "events"


def upgrade() -> None:
    versions = sa.table(
        "cache_versions", sa.column("name", sa.String), sa.column("version", sa.Integer)
    )
    op.bulk_insert(versions, [{"name": EVENTS, "version": 0}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM cache_versions WHERE name = :name").bindparams(name=EVENTS))

"""Clicks carry the dimensions statistics report by: country and the User-Agent's device.

country is ISO 3166-1 alpha-2 (from the trusted proxy's header or a GeoIP database);
device_type, device_os and device_browser come from parsing the User-Agent. All are NULL for
clicks recorded before this revision and when nothing could be told.

Revision ID: 0018
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("country", 2),
    ("device_type", 16),
    ("device_os", 64),
    ("device_browser", 64),
)


def upgrade() -> None:
    with op.batch_alter_table("clicks") as batch:
        for name, length in _COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clicks") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)

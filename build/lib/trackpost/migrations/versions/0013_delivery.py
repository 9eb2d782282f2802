"""Outbound delivery: the outbox, attempts, destinations, affiliate postbacks and webhook endpoints.

Revision ID: 0013
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
OPEN = sa.text("status IN ('pending', 'sending', 'paused')")


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subscription_id", BIG_ID, nullable=False),
        sa.Column("event_id", BIG_ID, nullable=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=True),
        sa.Column("loginid", BIG_ID, nullable=True),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("content_type", sa.String(64), nullable=True),
        sa.Column("host", sa.String(262), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", WHEN, nullable=False),
        sa.Column("lease_until", WHEN, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(512), nullable=True),
        sa.Column("delivered_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_at"])
    op.create_index(
        "ix_deliveries_queue",
        "deliveries",
        ["kind", "subscription_id", "customer_id", "id"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index("ix_deliveries_created_at", "deliveries", ["created_at"])
    op.create_index("ix_deliveries_loginid", "deliveries", ["loginid", "id"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("delivery_id", BIG_ID, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("error", sa.String(512), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_attempts"),
    )
    op.create_index("ix_delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id", "id"])
    op.create_table(
        "delivery_destinations",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subscription_id", BIG_ID, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("failing_since", WHEN, nullable=True),
        sa.Column("last_success_at", WHEN, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("kind", "subscription_id", name="pk_delivery_destinations"),
    )
    op.create_table(
        "affiliate_postbacks",
        sa.Column("postbackid", BIG_ID, primary_key=True),
        sa.Column("loginid", BIG_ID, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("goal_id", BIG_ID, nullable=True),
        sa.Column("offerid", BIG_ID, nullable=True),
        sa.Column("campaignid", BIG_ID, nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("postbackid", name="pk_affiliate_postbacks"),
    )
    op.create_index("ix_affiliate_postbacks_loginid", "affiliate_postbacks", ["loginid"])
    op.create_table(
        "postback_event_settings",
        sa.Column("loginid", BIG_ID, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("loginid", "event", name="pk_postback_event_settings"),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("endpointid", BIG_ID, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("endpointid", name="pk_webhook_endpoints"),
    )


def downgrade() -> None:
    op.drop_table("webhook_endpoints")
    op.drop_table("postback_event_settings")
    op.drop_index("ix_affiliate_postbacks_loginid", table_name="affiliate_postbacks")
    op.drop_table("affiliate_postbacks")
    op.drop_table("delivery_destinations")
    op.drop_index("ix_delivery_attempts_delivery_id", table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    for name in ("ix_deliveries_loginid", "ix_deliveries_created_at", "ix_deliveries_queue"):
        op.drop_index(name, table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.drop_table("deliveries")

"""Outbound delivery: the outbox and its attempts, destinations' health, and what subscribes.

Owners: delivery (deliveries, delivery_attempts, delivery_destinations), affiliates
(affiliate_postbacks, postback_event_settings), webhooks (webhook_endpoints).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.models.base import Base, BigId, Timestamps

# Deliveries that still hold their (destination, customer) queue: the claim's ordering check.
_OPEN = text("status IN ('pending', 'sending', 'paused')")


class Delivery(Base):
    """One message to one destination, sent at least once; `id` is its stable dedupe id."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_at"),
        Index(
            "ix_deliveries_queue",
            "kind",
            "subscription_id",
            "customer_id",
            "id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index("ix_deliveries_created_at", "created_at"),
        Index("ix_deliveries_loginid", "loginid", "id"),
        Index("ix_deliveries_customer_id", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # postback | webhook
    subscription_id: Mapped[int] = mapped_column(BigId)
    event_id: Mapped[int | None] = mapped_column(BigId)
    event_type: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(BigId)
    loginid: Mapped[int | None] = mapped_column(BigId)  # the affiliate a postback is for
    method: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(262))  # host:port, the concurrency limit's key
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[dt.datetime]
    lease_until: Mapped[dt.datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(512))
    delivered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class DeliveryAttempt(Base):
    """One try: when, where (secrets masked), the answer's status and first KiB, or the error."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (Index("ix_delivery_attempts_delivery_id", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(BigId)
    attempt: Mapped[int]
    started_at: Mapped[dt.datetime]
    url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None]
    latency_ms: Mapped[int]
    response: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(512))


class DeliveryDestination(Base):
    """A subscription's health: failing since when, paused (24 h of failures) or gone (410)."""

    __tablename__ = "delivery_destinations"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # active | paused | gone
    failing_since: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]


class AffiliatePostback(Timestamps, Base):
    """An affiliate's postback or pixel for one event, on all offers or one offer or campaign."""

    __tablename__ = "affiliate_postbacks"
    __table_args__ = (Index("ix_affiliate_postbacks_loginid", "loginid"),)

    postbackid: Mapped[int] = mapped_column(BigId, primary_key=True)
    loginid: Mapped[int] = mapped_column(BigId)
    event: Mapped[str] = mapped_column(String(32))
    goal_id: Mapped[int | None] = mapped_column(BigId)
    offerid: Mapped[int | None] = mapped_column(BigId)
    campaignid: Mapped[int | None] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(8))  # postback | image | iframe
    method: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    # Account postbacks (signup, account change) may wait this long before they are sent.
    delay_hours: Mapped[int] = mapped_column(default=0, server_default="0")


class PostbackEventSetting(Base):
    """Whether an event fires postbacks: globally (loginid 0) or for one affiliate."""

    __tablename__ = "postback_event_settings"

    loginid: Mapped[int] = mapped_column(BigId, primary_key=True)
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool]


class WebhookEndpoint(Timestamps, Base):
    """An integrator's endpoint: its URL, the event types it wants and its signing secret."""

    __tablename__ = "webhook_endpoints"

    endpointid: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[str] = mapped_column(Text)  # comma list of event types
    description: Mapped[str | None] = mapped_column(String(255))
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(default=True)

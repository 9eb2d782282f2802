"""Refused advertiser posts, kept so that an admin can see them and replay them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.models.base import Base, BigId


class FailedPostback(Base):
    """One refused post to process_pixel or process_void: what it sent and what it was told."""

    __tablename__ = "failed_postbacks"
    __table_args__ = (
        Index("ix_failed_postbacks_received_at", "received_at"),
        Index("ix_failed_postbacks_advertiserid", "advertiserid", "failedid"),
        Index("ix_failed_postbacks_code", "code", "failedid"),
    )

    failedid: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[dt.datetime]
    # 'pixel' (process_pixel) or 'void' (process_void).
    endpoint: Mapped[str] = mapped_column(String(16))
    sender_ip: Mapped[str | None] = mapped_column(String(64))
    # The advertiser the post names or its click belongs to, when that could be told.
    advertiserid: Mapped[int | None] = mapped_column(BigId)
    status: Mapped[int]
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    # The parameters as JSON, passwords masked; the click cookie's hash apart.
    params: Mapped[str] = mapped_column(Text)
    cookie_hash: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    replay_count: Mapped[int] = mapped_column(default=0)
    replayed_at: Mapped[dt.datetime | None]
    replayed_by: Mapped[str | None] = mapped_column(String(128))
    # The last replay's answer (JSON); resolved once a replay succeeded.
    replay_answer: Mapped[str | None] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(default=False)

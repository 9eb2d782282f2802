"""The ordered event log and its consumers' positions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.core.db import utcnow
from trackpost.models.base import Base, BigId


class EventRow(Base):
    """One thing that happened, appended in the transaction that made it happen."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_txid_id", "txid", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # PostgreSQL: the writing transaction's id, so consumers read gap-free (events/repository.py).
    txid: Mapped[int | None] = mapped_column(BigInteger)


class EventCursor(Base):
    """How far one consumer has read the log."""

    __tablename__ = "event_cursors"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)

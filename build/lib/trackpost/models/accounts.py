"""Login accounts (admins, affiliates, advertisers share one loginid space) and payout methods."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.models.base import Base, BigId, Timestamps

S255 = String(255)


class Login(Timestamps, Base):
    """Every account; `type` is admin, affiliate or advertiser, as in the vendor's login table."""

    __tablename__ = "logins"
    __table_args__ = (
        Index("uq_logins_username_ci", text("lower(username)"), unique=True),
        Index(
            "uq_logins_advertiser_email",
            text("lower(email)"),
            unique=True,
            sqlite_where=text("type = 'advertiser'"),
            postgresql_where=text("type = 'advertiser'"),
        ),
        Index("ix_logins_type_status", "type", "status"),
    )

    loginid: Mapped[int] = mapped_column(BigId, primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(S255)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    api_key_hash: Mapped[str | None] = mapped_column(String(64))
    api_allow_ips: Mapped[str] = mapped_column(Text, default="")
    disabled: Mapped[bool] = mapped_column(default=False)
    status: Mapped[int] = mapped_column(default=0)
    firstname: Mapped[str | None] = mapped_column(S255)
    lastname: Mapped[str | None] = mapped_column(S255)
    company: Mapped[str | None] = mapped_column(S255)
    url: Mapped[str | None] = mapped_column(String(2048))
    tel: Mapped[str | None] = mapped_column(String(64))
    icq: Mapped[str | None] = mapped_column(String(64))
    aim: Mapped[str | None] = mapped_column(String(64))
    msn: Mapped[str | None] = mapped_column(String(255))
    skype: Mapped[str | None] = mapped_column(String(255))
    address1: Mapped[str | None] = mapped_column(S255)
    address2: Mapped[str | None] = mapped_column(S255)
    city: Mapped[str | None] = mapped_column(S255)
    state: Mapped[str | None] = mapped_column(S255)
    country: Mapped[str | None] = mapped_column(S255)
    zip_code: Mapped[str | None] = mapped_column(String(32))
    custom1: Mapped[str | None] = mapped_column(S255)
    custom2: Mapped[str | None] = mapped_column(S255)
    custom3: Mapped[str | None] = mapped_column(S255)
    custom4: Mapped[str | None] = mapped_column(S255)
    custom5: Mapped[str | None] = mapped_column(S255)
    join_ip: Mapped[str | None] = mapped_column(String(64))
    join_date: Mapped[dt.datetime | None]
    payvia_type_id: Mapped[int | None] = mapped_column(ForeignKey("payvia_types.payvia_type_id"))
    minimum_payout: Mapped[int | None] = mapped_column(BigId)
    tax_id_or_ssn: Mapped[str | None] = mapped_column(String(64))
    ref_loginid: Mapped[int | None] = mapped_column(ForeignKey("logins.loginid"))
    inhouse: Mapped[bool] = mapped_column(default=False)
    # An admin's console role: admin (everything) or support (customers only; migration 0012).
    role: Mapped[str] = mapped_column(String(16), default="admin", server_default="admin")


class AdminSession(Base):
    """A console sign-in: only the token's keyed hash is stored, never the token itself."""

    __tablename__ = "admin_sessions"
    __table_args__ = (Index("ix_admin_sessions_loginid", "loginid"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    loginid: Mapped[int] = mapped_column(ForeignKey("logins.loginid", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    source_ip: Mapped[str | None] = mapped_column(String(64))


class PayviaType(Base):
    """A payout method (Check, Wire, PayPal, ...); seeded by migration with ids from 1."""

    __tablename__ = "payvia_types"

    payvia_type_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)


class PayviaInfo(Base):
    """One field/value pair of an affiliate's payout details."""

    __tablename__ = "payvia_info"

    loginid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class AffiliateManager(Base):
    """An account that manages an affiliate; edit_affiliate adds rows, never replaces them."""

    __tablename__ = "affiliate_managers"

    loginid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"), primary_key=True)
    manager_loginid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"), primary_key=True)
    created_at: Mapped[dt.datetime]

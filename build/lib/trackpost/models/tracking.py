"""Offers, landing pages, tracking domains and clicks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.models.base import Base, BigId, Timestamps


class Offer(Timestamps, Base):
    """What affiliates promote; money columns are integer minor units, percentages in basis points."""

    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_advertiserid", "advertiserid"),
        Index("ix_offers_name", "name"),
    )

    offerid: Mapped[int] = mapped_column(BigId, primary_key=True)
    advertiserid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"))
    name: Mapped[str] = mapped_column(String(255))
    offer_description: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(default=False)
    featured: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    date_live: Mapped[dt.datetime | None]
    date_expire: Mapped[dt.datetime | None]
    expire_url: Mapped[str | None] = mapped_column(String(2048))
    expire_landing_pageid: Mapped[int | None] = mapped_column(BigId)
    conversion_revenue: Mapped[int] = mapped_column(BigId, default=0)
    continuity_revenue: Mapped[int] = mapped_column(BigId, default=0)
    conversion_payout_type: Mapped[str] = mapped_column(String(8), default="flat")
    conversion_payout: Mapped[int] = mapped_column(BigId, default=0)
    continuity_payout_type: Mapped[str] = mapped_column(String(8), default="flat")
    continuity_payout: Mapped[int] = mapped_column(BigId, default=0)
    pending_conversions: Mapped[bool] = mapped_column(default=False)
    no_personal_member_info: Mapped[bool] = mapped_column(default=False)
    ip_lookup: Mapped[bool] = mapped_column(default=False)
    ip_uniqueness_seconds: Mapped[int | None]
    thumb_url: Mapped[str | None] = mapped_column(String(2048))
    force_url: Mapped[str | None] = mapped_column(String(2048))
    # Stored and returned only (no such concept yet): offer group and marketing type ids as
    # "1,2", and the email-promotion hints, one per line.
    offer_groups: Mapped[str | None] = mapped_column(Text)
    marketing_types: Mapped[str | None] = mapped_column(Text)
    subject_lines: Mapped[str | None] = mapped_column(Text)
    from_addresses: Mapped[str | None] = mapped_column(Text)


class LandingPage(Timestamps, Base):
    """An offer's destination URL, with its postback and void IP allowlists."""

    __tablename__ = "landing_pages"
    __table_args__ = (Index("ix_landing_pages_offerid", "offerid"),)

    landing_pageid: Mapped[int] = mapped_column(BigId, primary_key=True)
    offerid: Mapped[int] = mapped_column(ForeignKey("offers.offerid"))
    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(2048))
    preview_url: Mapped[str | None] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(Text)
    internal_desc: Mapped[str | None] = mapped_column(Text)
    thumb_url: Mapped[str | None] = mapped_column(String(2048))
    force_url: Mapped[str | None] = mapped_column(String(2048))
    tracking_domain: Mapped[str | None] = mapped_column(String(255))
    conversion_type: Mapped[str] = mapped_column(String(8), default="post")
    postback_ips: Mapped[str] = mapped_column(Text, default="")
    hostnpost_ips: Mapped[str] = mapped_column(Text, default="")
    void_ips: Mapped[str] = mapped_column(Text, default="")
    private: Mapped[bool] = mapped_column(default=False)
    requestable: Mapped[bool] = mapped_column(default=False)
    disable_deep_linking: Mapped[bool] = mapped_column(default=False)
    disable_url_sanitization: Mapped[bool] = mapped_column(default=False)
    redirect_hash: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[int | None]


class LandingPageAccess(Base):
    """One affiliate's override of a landing page's private and requestable settings."""

    __tablename__ = "landing_page_access"
    __table_args__ = (Index("ix_landing_page_access_loginid", "loginid"),)

    landing_pageid: Mapped[int] = mapped_column(
        ForeignKey("landing_pages.landing_pageid"), primary_key=True
    )
    loginid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"), primary_key=True)
    # None: no override (the page's own setting applies).
    enabled: Mapped[bool | None]
    requestable: Mapped[bool | None]
    updated_at: Mapped[dt.datetime]


class TrackingDomain(Timestamps, Base):
    """A CNAME the network points at trackpost for its links."""

    __tablename__ = "tracking_domains"

    domainid: Mapped[int] = mapped_column(BigId, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    redirect_domain: Mapped[str | None] = mapped_column(String(255))
    template_protect: Mapped[bool] = mapped_column(default=False)


class Click(Base):
    """One linkcode click; click_hash is the key advertisers post back."""

    __tablename__ = "clicks"

    clickid: Mapped[int] = mapped_column(BigId, primary_key=True)
    click_hash: Mapped[str] = mapped_column(String(40), unique=True)
    loginid: Mapped[int] = mapped_column(BigId)
    programid: Mapped[int] = mapped_column(BigId, default=0)
    offerid: Mapped[int] = mapped_column(BigId)
    landing_pageid: Mapped[int] = mapped_column(BigId)
    campaignid: Mapped[int] = mapped_column(BigId, default=0)
    adtoolid: Mapped[int] = mapped_column(BigId, default=0)
    subaff1: Mapped[str | None] = mapped_column(String(255))
    subaff2: Mapped[str | None] = mapped_column(String(255))
    subaff3: Mapped[str | None] = mapped_column(String(255))
    subaff4: Mapped[str | None] = mapped_column(String(255))
    subaff5: Mapped[str | None] = mapped_column(String(255))
    subids: Mapped[str | None] = mapped_column(String(255))
    ocid: Mapped[str | None] = mapped_column(String(255))
    # The link's other parameters (custom pass-throughs such as cust_var) as a JSON object;
    # NULL when there were none. They fill the macros of the same name.
    extra: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    referrer: Mapped[str | None] = mapped_column(String(2048))
    # ISO 3166-1 alpha-2; and the User-Agent's device as parsed (NULL: not known).
    country: Mapped[str | None] = mapped_column(String(2))
    device_type: Mapped[str | None] = mapped_column(String(16))
    device_os: Mapped[str | None] = mapped_column(String(64))
    device_browser: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]


class CacheVersion(Base):
    """Bumped in the same transaction as a change that invalidates a worker's in-memory cache."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigId, default=0)

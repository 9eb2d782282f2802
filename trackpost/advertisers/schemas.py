"""Parameters of the advertiser endpoints; contact fields are the ones affiliates have."""

from __future__ import annotations

from trackpost.affiliates.schemas import (
    SUCCESS_LOGINID,
    SUCCESS_ONLY,
    ContactFields,
    Password,
    Username,
)
from trackpost.core.fields import Email, Id

__all__ = ["SUCCESS_LOGINID", "SUCCESS_ONLY", "AddAdvertiser", "EditAdvertiser"]


class AddAdvertiser(ContactFields):
    username: Username
    password: Password
    email: Email


class EditAdvertiser(ContactFields):
    loginid: Id
    email: Email | None = None
    password: Password | None = None

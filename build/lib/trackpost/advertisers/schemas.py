"""Parameters of the advertiser endpoints: a login's username, password, email, contact fields."""

from __future__ import annotations

from trackpost.accounts.schemas import ContactFields, Password, Username
from trackpost.core.fields import Email, Id


class AddAdvertiser(ContactFields):
    username: Username
    password: Password
    email: Email


class EditAdvertiser(ContactFields):
    loginid: Id
    email: Email | None = None
    password: Password | None = None

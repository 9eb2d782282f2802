"""Fixtures of the customer tests: an advertiser and one customer of it."""

from __future__ import annotations

import pytest

from tests.customers.factory import add_advertiser, add_customer
from trackpost.core.db import Database
from trackpost.core.http import Services


@pytest.fixture
def db(services: Services) -> Database:
    return services.db


@pytest.fixture
def advertiser(db: Database) -> int:
    return add_advertiser(db, "acme")


@pytest.fixture
def customer(db: Database, advertiser: int) -> int:
    return add_customer(
        db,
        advertiser,
        "SUB-1",
        firstname="Ada",
        lastname="Lovelace",
        email="ada@example.com",
        username="ada",
        password="s3cret",
        city="London",
    )

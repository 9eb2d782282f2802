"""Browser fixtures: a real `trackpost serve` on 127.0.0.1 and the machine's Chromium."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from tests.conftest import SECRET
from tests.system.test_serve import free_port, wait_healthy
from tests.ui.support import console_admin
from trackpost.core import migrate
from trackpost.core.db import Database

CHROMIUM = "/usr/bin/chromium"
# The throttle test's browser comes "through" the trusted local proxy from its own address.
THROTTLED_FROM = "203.0.113.50"


@dataclass
class Server:
    """The running console and a handle on its database for seeding."""

    url: str
    db: Database
    api_key: str
    log: Path


@dataclass
class Watched:
    """What a page reported while a test drove it."""

    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    home = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{home / 'trackpost.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    db = Database(engine, checkpoint=False)
    key = console_admin(db, "boss")
    console_admin(db, "helper", role="support")
    console_admin(db, "target")  # the throttle test's: its failures throttle this name
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env.update(
        TRACKPOST_DATABASE_URL=url,
        TRACKPOST_SECRET_KEY=SECRET,
        TRACKPOST_DATA_DIR=str(home / "var"),
        TRACKPOST_PORT=str(port),
        TRACKPOST_WORKERS="1",
        TRACKPOST_AUTH_FAIL_LIMIT="5",
        TRACKPOST_TRUSTED_PROXIES="127.0.0.1",
        TRACKPOST_AUTH_CACHE_SECONDS="0",
    )
    log = home / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trackpost", "serve"],
            cwd=home,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_healthy(port, proc)
        yield Server(f"http://127.0.0.1:{port}", db, key, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        db.dispose()


# Module scope: Playwright's sync API keeps an event loop running on this thread while it is
# open, and later tests of the same worker that call asyncio.run() would fail beside it.
@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as play:
        chromium = play.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def watched() -> Watched:
    return Watched()


@pytest.fixture
def page(browser: Any, server: Server, watched: Watched) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose console errors and failed loads are kept."""
    context = browser.new_context(base_url=server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: watched.errors.append(str(e)))
    tab.on("requestfailed", lambda r: watched.failed.append(r.url))
    yield tab
    context.close()


def screenshot(tab: Any, name: str) -> None:
    """With TRACKPOST_SCREENSHOTS=dir (make screenshots), keep a picture of the page."""
    target = os.environ.get("TRACKPOST_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


__all__ = ["THROTTLED_FROM", "Server", "Watched", "screenshot"]

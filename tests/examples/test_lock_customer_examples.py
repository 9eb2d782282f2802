"""The vendor's lock-customer page: its PHP, Python, node.js and curl examples, run verbatim.

Each example is kept byte for byte in tests/examples/vendor/ as the page prints it. The only
changes made before running it are the two the page asks every user to make: the host
(`http://domain` becomes the test server's address) and the API key (the page's sample key
becomes the key `trackpost admin create tf_admin` printed). The Python example is Python 2
(`print res.json()`); it is run with that one line turned into the Python 3 call
`print(res.json())`, the least change Python 3 requires, and nothing else.

They run against a real `trackpost serve` process on a free 127.0.0.1 port, on SQLite and (when
TRACKPOST_TEST_POSTGRES_URL is set) PostgreSQL, with customer 191 inserted directly, since
customers are normally created by conversion postbacks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import insert

from tests.customers.factory import add_advertiser
from tests.examples.live import BACKENDS, Instance, live_instance
from trackpost.core.db import utcnow
from trackpost.models.tables import customers

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "vendor"
NODE_MODULES = HERE / "node_modules"
SAMPLE_KEY = "44b5498dbcb481a0d00b404c0169af62"
SAMPLE_HOST = "http://domain"
CUSTOMER_ID = 191
INSTALL_HINT = "run `bash scripts/install-example-runtimes` (as root) to install it"


@pytest.fixture(scope="module", params=BACKENDS)
def instance(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Instance]:
    workdir = tmp_path_factory.mktemp(f"examples-{request.param}")
    with live_instance(request.param, workdir) as inst:
        assert inst.db is not None
        advertiser = add_advertiser(inst.db, "example_advertiser")
        now = utcnow()
        with inst.db.transaction(write=True) as conn:
            conn.execute(
                insert(customers).values(
                    customer_id=CUSTOMER_ID,
                    advertiserid=advertiser,
                    subscription_id="sub-191",
                    firstname="Sample",
                    status="active",
                    join_date=now,
                    locked=False,
                    created_at=now,
                    updated_at=now,
                )
            )
        yield inst


def _example(name: str, inst: Instance) -> str:
    """The vendor's code with only the host and the key replaced."""
    code = (VENDOR / name).read_text()
    assert SAMPLE_HOST in code
    assert SAMPLE_KEY in code
    return code.replace(SAMPLE_HOST, inst.url).replace(SAMPLE_KEY, inst.api_key)


@pytest.fixture
def unlocked(instance: Instance) -> Instance:
    """Customer 191 unlocked before each example, so the example's lock really changes it."""
    resp = requests.patch(
        f"{instance.url}/api/customer/unlock",
        data={"customer_id": CUSTOMER_ID},
        headers=instance.headers,
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    assert _details(instance)["locked"] is False
    return instance


def _details(inst: Instance) -> dict[str, object]:
    resp = requests.get(
        f"{inst.url}/api/customer/get_customer_details",
        params={"customer_id": CUSTOMER_ID},
        headers=inst.headers,
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    customer: dict[str, object] = resp.json()["customer"]
    return customer


def _assert_locked_by_example(inst: Instance) -> None:
    customer = _details(inst)
    assert customer["locked"] is True
    assert customer["locked_by"] == "tf_admin"
    resp = requests.get(
        f"{inst.url}/api/customer/history",
        params={"customer_id": CUSTOMER_ID, "count": 1},
        headers=inst.headers,
        timeout=10,
    )
    newest = resp.json()["history"][0]
    assert newest["action"] == "lock"
    assert newest["actor"] == "tf_admin"
    assert newest["changes"] == {"locked": {"before": False, "after": True}}


def _run(cmd: list[str], tmp_path: Path, **env: str) -> str:
    done = subprocess.run(
        cmd,
        cwd=tmp_path,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (cmd, done.stdout, done.stderr)
    return done.stdout


def test_python_requests_example(unlocked: Instance, tmp_path: Path) -> None:
    code = _example("lock_customer.py2", unlocked)
    assert code.count("print res.json()") == 1
    # The page's code is Python 2; `print` becomes a call, the only change Python 3 requires.
    code = code.replace("print res.json()", "print(res.json())")
    script = tmp_path / "lock_customer.py"
    script.write_text(code)
    assert _run([sys.executable, str(script)], tmp_path).strip() == "True"
    _assert_locked_by_example(unlocked)


def test_curl_example(unlocked: Instance, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.skip(f"curl is not installed; {INSTALL_HINT}")
    line = _example("lock_customer.curl", unlocked)
    assert _run(["sh", "-c", line], tmp_path) == "true"
    _assert_locked_by_example(unlocked)


def test_node_request_example(unlocked: Instance, tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip(f"node is not installed; {INSTALL_HINT}")
    if not (NODE_MODULES / "request").is_dir():
        pytest.skip(f"the node module `request` is not in {NODE_MODULES}; {INSTALL_HINT}")
    script = tmp_path / "lock_customer.js"
    script.write_text(_example("lock_customer.js", unlocked))
    out = _run(["node", str(script)], tmp_path, NODE_PATH=str(NODE_MODULES))
    assert out.strip() == "true"
    _assert_locked_by_example(unlocked)


def test_php_curl_example(unlocked: Instance, tmp_path: Path) -> None:
    if shutil.which("php") is None:
        pytest.skip(f"php is not installed; {INSTALL_HINT}")
    modules = _run(["php", "-m"], tmp_path)
    if "curl" not in modules.split():
        pytest.skip(f"php has no curl extension; {INSTALL_HINT}")
    script = tmp_path / "lock_customer.php"
    script.write_text(_example("lock_customer.php", unlocked))
    assert _run(["php", str(script)], tmp_path).strip() == "bool(true)"
    _assert_locked_by_example(unlocked)


def test_examples_are_kept_verbatim() -> None:
    """Guard against 'fixing' the vendor's code: these are the page's exact texts."""
    py2 = (VENDOR / "lock_customer.py2").read_text()
    assert "print res.json()" in py2
    assert "requests.patch(url, data=payload, headers=headers)" in py2
    assert (
        (VENDOR / "lock_customer.curl")
        .read_text()
        .startswith("curl -X PATCH 'http://domain/api/customer/lock' -H \"api-key: ")
    )
    assert "request(options, callback);" in (VENDOR / "lock_customer.js").read_text()
    assert "http_build_query($data)" in (VENDOR / "lock_customer.php").read_text()

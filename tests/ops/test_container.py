"""The Dockerfile: read always, built when a container engine answers (`docker info`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _engine() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return False
    return info.returncode == 0


def test_the_image_runs_serve_as_a_user_with_a_volume_and_a_health_check() -> None:
    text = DOCKERFILE.read_text()
    final = text[text.rindex("\nFROM ") :]  # the runtime stage
    assert final.startswith("\nFROM python:3.11-slim\n")
    user = re.search(r"^USER (\S+)$", final, re.M)
    assert user is not None
    assert user.group(1) not in ("root", "0")
    assert 'VOLUME ["/var/lib/trackpost"]' in final
    assert "TRACKPOST_DATA_DIR=/var/lib/trackpost" in final
    assert "TRACKPOST_HOST=0.0.0.0" in final
    health = re.search(r"^HEALTHCHECK .*\n.*$", final, re.M)
    assert health is not None
    assert "/healthz" in health.group(0)
    assert final.rstrip().endswith('ENTRYPOINT ["trackpost", "serve"]')
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".git" in ignored
    assert ".venv" in ignored


@pytest.mark.skipif(not _engine(), reason="no container engine answers `docker info`")
def test_the_image_builds_and_knows_its_version() -> None:
    tag = f"trackpost-test:{uuid.uuid4().hex[:12]}"
    built = subprocess.run(
        ["docker", "build", "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=1200
    )
    try:
        assert built.returncode == 0, built.stderr[-3000:]
        ran = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "trackpost", tag, "--version"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.startswith("trackpost ")
        whoami = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert whoami.stdout.strip() == "10001"
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)

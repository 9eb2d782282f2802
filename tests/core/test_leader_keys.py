"""Every background job leads under its own PostgreSQL advisory lock."""

from __future__ import annotations

from trackpost.caps import job as caps_job
from trackpost.payments import job as payments_job
from trackpost.stats import job as stats_job
from trackpost.tracking import retention

MIGRATIONS_KEY = 7351024  # core/migrate.py's pg_advisory_xact_lock


def test_each_job_has_a_lock_key_of_its_own() -> None:
    # Two jobs on one key: on PostgreSQL the process leading one could never lead the other.
    keys = [
        retention.LEADER_KEY,
        payments_job.LEADER_KEY,
        stats_job.LEADER_KEY,
        caps_job.LEADER_KEY,
        MIGRATIONS_KEY,
    ]
    assert len(set(keys)) == len(keys)
    names = [
        retention.LEADER_NAME,
        payments_job.LEADER_NAME,
        stats_job.LEADER_NAME,
        caps_job.LEADER_NAME,
    ]
    assert len(set(names)) == len(names)

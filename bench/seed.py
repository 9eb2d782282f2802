"""Bulk seeding on the migrated schema: executemany in big transactions on SQLite, COPY on
PostgreSQL. Columns that other migrations add are filled from the models' defaults."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import psycopg
import sqlalchemy as sa

from bench.dataset import PG_TIME, SQLITE_TIME, Dataset, Row, Table
from trackpost.models import metadata

BATCH = 50_000


@dataclass(frozen=True)
class Column:
    """What the live schema says about one column."""

    name: str
    nullable: bool
    has_default: bool


def _filler(table: str, column: Column, now: str) -> Any:
    """The value for a NOT NULL column the dataset does not know: the model's default, else zero."""
    model = metadata.tables.get(table)
    col = model.c.get(column.name) if model is not None else None
    if col is not None and col.default is not None and getattr(col.default, "is_scalar", False):
        return getattr(col.default, "arg", None)
    kind: type[Any] = col.type.python_type if col is not None else str
    if kind is bool:
        return False
    if kind in (int, float):
        return 0
    if kind is dt.datetime:
        return now
    return ""


def _extras(table: Table, live: list[Column], now: str) -> tuple[tuple[str, ...], Row]:
    """Columns to append to every row: required ones the dataset leaves out (added by others)."""
    known = set(table.columns)
    names: list[str] = []
    values: list[Any] = []
    for col in live:
        if col.name in known or col.has_default:
            continue
        model = metadata.tables.get(table.name)
        mcol = model.c.get(col.name) if model is not None else None
        scalar_default = mcol is not None and getattr(mcol.default, "is_scalar", False)
        if col.nullable and not scalar_default:
            continue
        names.append(col.name)
        values.append(_filler(table.name, col, now))
    return tuple(names), tuple(values)


def _progress(name: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-6)
    print(f"  seed {name:<13} {done:>10,}/{total:,} rows  ({rate:,.0f} rows/s)", flush=True)


def _batches(rows: Iterator[Row], extra: Row) -> Iterator[list[Row]]:
    while True:
        chunk = list(islice(rows, BATCH))
        if not chunk:
            return
        yield [r + extra for r in chunk] if extra else chunk


def _live_columns(inspector: Any, table: str) -> list[Column]:
    return [
        Column(c["name"], bool(c["nullable"]), c.get("default") is not None)
        for c in inspector.get_columns(table)
    ]


def seed_sqlite(path: str, data: Dataset, progress_every: int = 200_000) -> float:
    """Insert every table through sqlite3's executemany; returns the seconds it took."""
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # The schema is read once and its engine closed: a connection left in a pool would outlive
    # the seeding in this process, which also runs the harness.
    engine = sa.create_engine(f"sqlite:///{path}")
    inspector = sa.inspect(engine)
    live = {name: _live_columns(inspector, name) for name in inspector.get_table_names()}
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    # Seeding only: a crash here just means seeding again, so the load skips the fsyncs.
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    for table in data.tables(now, SQLITE_TIME):
        cols, extra = _extras(table, live[table.name], SQLITE_TIME(now))
        names = table.columns + cols
        marks = ", ".join("?" * len(names))
        # Names come from the dataset and the live schema, never from input.
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608

        def write(rows: list[Row], sql: str = sql) -> None:
            conn.executemany(sql, rows)

        conn.execute("BEGIN")
        _write_batches(table, extra, progress_every, write)
        conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return time.monotonic() - started


def _write_batches(
    table: Table, extra: Row, progress_every: int, write: Callable[[list[Row]], object]
) -> None:
    t0 = time.monotonic()
    done = 0
    next_report = progress_every
    for batch in _batches(table.rows, extra):
        write(batch)
        done += len(batch)
        if done >= next_report or done == table.count:
            if table.count >= progress_every:
                _progress(table.name, done, table.count, t0)
            next_report += progress_every


def _copy_text(value: Any) -> str:
    # The dataset's strings never contain tabs, newlines or backslashes, so no escaping.
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def seed_postgres(url: str, data: Dataset, progress_every: int = 200_000) -> float:
    """COPY every table in one transaction, then fix the id sequences and ANALYZE."""
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC)
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    tables = data.tables(now, PG_TIME)
    with psycopg.connect(dsn) as conn:
        conn.execute("SET synchronous_commit = off")
        # Rows are consistent by construction: skip the per-row foreign-key triggers, which
        # would otherwise run a million lookups at the end of each COPY (needs a superuser).
        conn.execute("SET session_replication_role = replica")
        with conn.cursor() as cur:
            for table in tables:
                cols, extra = _extras(table, _live_columns(inspector, table.name), PG_TIME(now))
                names = ", ".join(table.columns + cols)
                with cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:

                    def write(rows: list[Row], copy: Any = copy) -> None:
                        lines = ["\t".join(map(_copy_text, r)) for r in rows]
                        copy.write("\n".join(lines) + "\n")

                    _write_batches(table, extra, progress_every, write)
            for table in tables:
                pk = table.columns[0]
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk}'), "  # noqa: S608
                    f"(SELECT max({pk}) FROM {table.name}))"
                )
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")
    engine.dispose()
    return time.monotonic() - started


def first_free_loginid(url: str) -> int:
    """Logins seeded by the bench start after whatever exists (the migration's rows)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        top = conn.execute(sa.text("SELECT max(loginid) FROM logins")).scalar()
    engine.dispose()
    return int(top or 0) + 1


def timing_note(seconds: float, data: Dataset) -> str:
    rows = data.clicks + 2 * data.customers
    return f"seeded {data.customers:,} customers ({rows:,} rows) in {seconds:.1f}s"


def seed(url: str, data: Dataset) -> float:
    """Seed the database at url (sqlite:///path or a PostgreSQL URL)."""
    if url.startswith("sqlite:///"):
        return seed_sqlite(url.removeprefix("sqlite:///"), data)
    return seed_postgres(url, data)


if __name__ == "__main__":  # pragma: no cover - a manual check of the seeding speed
    target = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    d = Dataset(customers=count, spare_clicks=200_000, first_login=first_free_loginid(target))
    print(timing_note(seed(target, d), d))

"""An admin replays refused posts once their cause is fixed, exactly as if they came again.

Each replay runs the post's own path (parse, sender check against the original sender's
address, resolve, book) with the fingerprint a fresh post would get, so a post that meanwhile
succeeded answers as a replay and writes nothing. Each runs in a savepoint: one that is refused
again rolls back alone and records its new answer. A replay that succeeded is not run twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson
from sqlalchemy import Connection

from trackpost.commissions.service import Policy, RulesCache
from trackpost.core.db import utcnow
from trackpost.core.errors import TrackpostError
from trackpost.core.origin import Origin
from trackpost.iplists.rules import IpListCache
from trackpost.postbacks import repository as repo
from trackpost.postbacks import service
from trackpost.postbacks.errors import Replayed
from trackpost.postbacks.failed import MASK, PIXEL
from trackpost.postbacks.params import parse_postback
from trackpost.postbacks.sender import Sender
from trackpost.postbacks.voids import RemoteVoidParams, process_void

MASKED_NOTE = "The post's password was not kept (passwords are masked), so none was replayed."


def _post_once(
    conn: Connection,
    row: Mapping[Any, Any],
    origin: Origin,
    fingerprint: Callable[[str], str],
    lists: IpListCache,
    rules: RulesCache,
    policy: Policy,
) -> dict[str, Any]:
    params = {k: v for k, v in orjson.loads(row["params"]).items() if v != MASK}
    if row["endpoint"] == PIXEL:
        post = parse_postback(params, row["cookie_hash"])
        sender = Sender(origin, fingerprint(post.canonical().decode("utf-8")), lists, rules, policy)
        return service.process(conn, post, sender)
    return process_void(conn, RemoteVoidParams.parse(params), origin, lists)


def _replay_one(
    conn: Connection,
    row: Mapping[Any, Any],
    origin: Origin,
    fingerprint: Callable[[str], str],
    lists: IpListCache,
    rules: RulesCache,
    policy: Policy,
) -> tuple[dict[str, Any], bool]:
    """The answer the post gets now, and whether it succeeded."""
    try:
        with conn.begin_nested():
            body = _post_once(conn, row, origin, fingerprint, lists, rules, policy)
    except Replayed as exc:
        return {**exc.body(), "replayed": True}, True
    except TrackpostError as exc:
        return {**exc.body(), "status": exc.status}, False
    if MASK in orjson.loads(row["params"]).values():
        body = {**body, "notes": [MASKED_NOTE]}
    return body, True


def replay(
    conn: Connection,
    ids: tuple[int, ...],
    *,
    admin: str,
    request_id: str,
    fingerprint: Callable[[str], str],
    lists: IpListCache,
    rules: RulesCache,
    policy: Policy,
) -> dict[str, Any]:
    """Replay these failed posts in order; each one's answer, keyed by failedid, in `results`."""
    wanted = list(dict.fromkeys(ids))
    rows = {int(r["failedid"]): r for r in repo.failed_by_ids(conn, wanted)}
    results: list[dict[str, Any]] = []
    for failedid in wanted:
        row = rows.get(failedid)
        if row is None:
            results.append(
                {
                    "failedid": failedid,
                    "result": "error",
                    "code": "failed_postback_not_found",
                    "message": f"No failed postback with failedid {failedid}.",
                }
            )
            continue
        if row["resolved"]:
            earlier = orjson.loads(row["replay_answer"]) if row["replay_answer"] else {}
            results.append({"failedid": failedid, **earlier, "already_replayed": True})
            continue
        origin = Origin(admin, "postback", row["sender_ip"], request_id)
        body, ok = _replay_one(conn, row, origin, fingerprint, lists, rules, policy)
        repo.set_replayed(
            conn,
            {
                "b_id": failedid,
                "b_at": utcnow(),
                "b_by": admin[:128],
                "b_answer": orjson.dumps(body).decode(),
                "b_resolved": ok,
            },
        )
        results.append({"failedid": failedid, **body})
    return {"result": "success", "results": results}

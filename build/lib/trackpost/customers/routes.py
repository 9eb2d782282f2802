"""HTTP endpoints of the customer API: the vendor's lock, unlock and set_customer_details, plus reads."""

from __future__ import annotations

from typing import Any

from trackpost.core.http import RequestContext, Router
from trackpost.customers import reads, service
from trackpost.customers.fields import DETAIL_FIELDS, REMOVE
from trackpost.customers.schemas import (
    DETAILS_RESPONSE,
    HISTORY_RESPONSE,
    SEARCH_RESPONSE,
    TRUE_RESPONSE,
    DetailsParams,
    LockParams,
    LookupParams,
    PageParams,
    SearchParams,
)

router = Router("customer")

_LOOKUP_DOC = (
    " Name the customer with customer_id, subscription_id or orderid (the orderid of any of its "
    "transactions); when several are sent they must name the same customer. advertiserid or "
    "advertiser_username narrows a subscription_id used by several advertisers."
)


@router.route(
    "PATCH",
    "/api/customer/lock",
    params=LockParams,
    summary="Lock a customer so the platform cannot edit it",
    description=(
        "Lock a customer so it can't be edited by Trackfinity (here: by any admin call, CLI or "
        "automatic job). It can still be updated based on posts from the advertiser. Locking a "
        "locked customer returns true and changes nothing." + _LOOKUP_DOC
    ),
    response=TRUE_RESPONSE,
    example=True,
    errors=(404, 409),
)
def lock(ctx: RequestContext, params: LockParams) -> bool:
    """Lock the customer; the bare `true` on success, as the vendor documents."""
    return service.lock_customer(ctx.conn, params.lookup(), ctx.origin, reason=params.reason)


@router.route(
    "PATCH",
    "/api/customer/unlock",
    params=LockParams,
    summary="Unlock a customer so the platform may edit it again",
    description="Unlocking an unlocked customer returns true and changes nothing." + _LOOKUP_DOC,
    response=TRUE_RESPONSE,
    example=True,
    errors=(404, 409),
)
def unlock(ctx: RequestContext, params: LockParams) -> bool:
    """Unlock the customer; the bare `true` on success."""
    return service.unlock_customer(ctx.conn, params.lookup(), ctx.origin, reason=params.reason)


async def _hash_password(ctx: RequestContext, params: DetailsParams) -> DetailsParams:
    """A new password is hashed off the event loop, before the writer's turn."""
    if params.password is None or params.password == REMOVE:
        return params
    hashed = await ctx.services.hashing.hash(ctx.client_ip, params.password)
    return params.model_copy(update={"password": hashed})


@router.route(
    "PATCH",
    "/api/customer/set_customer_details",
    params=DetailsParams,
    summary="Set fields of a customer (refused with 409 customer_locked while it is locked)",
    description=(
        "Send at least one of " + ", ".join(DETAIL_FIELDS) + ". The value REMOVE clears a field "
        "(not password). A locked customer is refused with 409 customer_locked." + _LOOKUP_DOC
    ),
    response=TRUE_RESPONSE,
    example=True,
    errors=(404, 409),
    prepare=lambda ctx, params: _hash_password(ctx, params) if params.password else params,
)
def set_customer_details(ctx: RequestContext, params: DetailsParams) -> bool:
    """Edit the customer's details; the bare `true` on success."""
    changes = params.changes()
    return service.set_customer_details(
        ctx.conn, params.lookup(), changes, ctx.origin, reason=params.reason
    )


@router.route(
    "GET",
    "/api/customer/get_customer_details",
    params=LookupParams,
    summary="A customer's fields (never the password), lock state and newest transactions",
    description="Transactions are newest first, at most 100, with their total count." + _LOOKUP_DOC,
    response=DETAILS_RESPONSE,
    errors=(404, 409),
)
def get_customer_details(ctx: RequestContext, params: LookupParams) -> dict[str, Any]:
    """Read one customer."""
    return reads.customer_details(ctx.conn, params.lookup())


@router.route(
    "GET",
    "/api/customer/search",
    params=SearchParams,
    summary="Search customers",
    description=(
        "Filters combine with AND: email (exact, any case), name (fragment of first or last "
        "name), subscription_id, orderid, status, locked (1/0), advertiserid, join_start and "
        "join_end (dates or ISO 8601 times, both inclusive). Paging with start (offset) and "
        "count (default 100, at most 1000), in customer_id order; total is the number matching."
    ),
    response=SEARCH_RESPONSE,
)
def search(ctx: RequestContext, params: SearchParams) -> dict[str, Any]:
    """Search customers by the given filters."""
    return reads.search_customers(ctx.conn, params)


@router.route(
    "GET",
    "/api/customer/history",
    params=PageParams,
    summary="A customer's audit trail, newest first",
    description=(
        "Who changed what and when: time, actor, source (api, postback, cli, system), source IP, "
        "action, changed fields with before and after (passwords masked), reason and request id. "
        "Paging with start and count (default 100, at most 1000)." + _LOOKUP_DOC
    ),
    response=HISTORY_RESPONSE,
    errors=(404, 409),
)
def history(ctx: RequestContext, params: PageParams) -> dict[str, Any]:
    """Read one customer's audit trail."""
    return reads.customer_history(ctx.conn, params.lookup(), params.start, params.count)

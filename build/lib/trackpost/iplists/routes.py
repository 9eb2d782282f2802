"""The global postback and void IP lists (Config -> Security), at the vendor's paths."""

from __future__ import annotations

from typing import Any

from trackpost.core.http import Handler, RequestContext, Router
from trackpost.iplists import service
from trackpost.iplists.rules import POST, VOID
from trackpost.iplists.schemas import DATA_RESPONSE, LISTS_RESPONSE, IpParams

router = Router("config")
POST_NOTE = (
    "Postbacks to /signup/process_pixel.php are accepted from the global postback list and the "
    "landing page's postback_ips; when both are empty, from anyone."
)
VOID_NOTE = (
    "Remote voids to /signup/process_void.php are accepted from the global void list and the "
    "landing page's void_ips; when both are empty, from no one."
)


def _adder(list_name: str) -> Handler:
    def handler(ctx: RequestContext, params: IpParams) -> dict[str, str]:
        return {"result": "success", "data": service.add_ip(ctx.conn, list_name, params.ip)}

    return handler


def _remover(list_name: str) -> Handler:
    def handler(ctx: RequestContext, params: IpParams) -> dict[str, str]:
        return {"result": "success", "data": service.remove_ip(ctx.conn, list_name, params.ip)}

    return handler


for _list, _label, _note in ((VOID, "void", VOID_NOTE), (POST, "postback", POST_NOTE)):
    _word = "void" if _list == VOID else "post"
    router.route(
        "POST",
        f"/api/config/add_global_{_word}_ip",
        params=IpParams,
        summary=f"Add an IP to the global {_label} list",
        description=_note + " Answers data 'Ip added' or 'Ip already in list'.",
        response=DATA_RESPONSE,
        example={"result": "success", "data": "Ip added"},
    )(_adder(_list))
    router.route(
        "POST",
        f"/api/config/remove_global_{_word}_ip",
        params=IpParams,
        summary=f"Remove an IP from the global {_label} list",
        description=_note + " Answers data 'Ip removed', 'Ip not in list' or 'List not set'.",
        response=DATA_RESPONSE,
        example={"result": "success", "data": "Ip removed"},
    )(_remover(_list))


# The vendor's config pages head their examples "GET" while the tables and code say POST.
for _word in ("void", "post"):
    for _action in ("add", "remove"):
        _path = f"/api/config/{_action}_global_{_word}_ip"
        router.alias("GET", _path, of=f"POST {_path}")


@router.route(
    "GET",
    "/api/config/get_global_ips",
    summary="List the global postback and void IP lists",
    response=LISTS_RESPONSE,
    example={"result": "success", "data": {"post": ["203.0.113.7"], "void": []}},
)
def get_global_ips(ctx: RequestContext, params: Any) -> dict[str, Any]:
    """A trackpost addition: the two lists as stored (single IPs, or CIDR networks)."""
    return {"result": "success", "data": service.global_ips(ctx.conn)}

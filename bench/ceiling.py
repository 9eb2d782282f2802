"""The ceiling: a bare ASGI callable answering `true`, served by granian like `trackpost serve`."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4")],
}
_BODY = {"type": "http.response.body", "body": b"true"}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every HTTP request with `true`; nothing else runs, so this is the server's cost.

    A request that is not a GET has its body read to the end first, as any endpoint taking
    form parameters must (the `ceiling+body` case): the server's cost of a body."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["method"] != "GET":
        while (await receive()).get("more_body"):
            pass
    await send(_START)
    await send(_BODY)


def serve(app: str, host: str, port: int, workers: int, *, factory: bool = False) -> None:
    """Serve an app with the settings trackpost.cli.main.cmd_serve gives granian."""
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    Server(
        app,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        log_access=False,
        backlog=2048,
        respawn_failed_workers=True,
        workers_kill_timeout=30,
        factory=factory,
    ).serve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve("bench.ceiling:app", args.host, args.port, args.workers)


if __name__ == "__main__":
    main()

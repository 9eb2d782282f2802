"""Who did it: the actor, the channel, the address and the request, carried as one value."""

from __future__ import annotations

from typing import Literal, NamedTuple

Source = Literal["api", "postback", "cli", "system", "ui"]


class Origin(NamedTuple):
    """Built once per request (or by the CLI and jobs), passed to services, written by audits."""

    # A NamedTuple rather than a frozen dataclass: as immutable, and several times cheaper to
    # build, which every write request does once or twice (BENCHMARKS.md).
    actor: str
    source: Source = "api"
    source_ip: str | None = None
    request_id: str | None = None

    def as_actor(self, actor: str, source: Source | None = None) -> Origin:
        """The same request acting under another name (an advertiser's post, say)."""
        return Origin(actor, source or self.source, self.source_ip, self.request_id)


CLI = Origin("cli", "cli")

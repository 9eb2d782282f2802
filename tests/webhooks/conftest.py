"""The delivery tests' fixtures serve the webhook tests too."""

from tests.delivery.conftest import out, receiver

__all__ = ["out", "receiver"]

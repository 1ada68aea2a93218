"""A client library for accessing DialNexa Calls API"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "1.2.0"

if TYPE_CHECKING:
    from ._facade import AsyncDialNexa, DialNexa
    from .client import AuthenticatedClient, Client, RetryPolicy

_MODULES = {
    "AsyncDialNexa": "._facade",
    "AuthenticatedClient": ".client",
    "Client": ".client",
    "DialNexa": "._facade",
    "RetryPolicy": ".client",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_MODULES[name], __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])


__all__ = (
    "AsyncDialNexa",
    "AuthenticatedClient",
    "Client",
    "DialNexa",
    "RetryPolicy",
    "__version__",
)

"""A client library for accessing DialNexa Calls API"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "2.0.0"
"""The client's own version (semver over its Python API and its behaviour on the wire), set by
`package_version_override` in the kit's generator_config.yml."""
__api_version__ = "1.2.0"
"""The version of the API contract (openapi.yaml's `info.version`) the client was generated from."""

if TYPE_CHECKING:
    from . import webhooks
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
    if name == "webhooks":
        return import_module(".webhooks", __name__)  # a module: it binds itself as an attribute
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_MODULES[name], __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES, "webhooks"])


__all__ = (
    "AsyncDialNexa",
    "AuthenticatedClient",
    "Client",
    "DialNexa",
    "RetryPolicy",
    "__api_version__",
    "__version__",
    "webhooks",
)

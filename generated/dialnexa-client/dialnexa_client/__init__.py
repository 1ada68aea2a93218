"""A client library for accessing DialNexa Calls API"""

from .client import AuthenticatedClient, Client, RetryPolicy

__all__ = (
    "AuthenticatedClient",
    "Client",
    "RetryPolicy",
)

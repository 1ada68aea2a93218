"""The webhook endpoints: those of the config, and those added at run time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from dialnexa_emulator._config import WEBHOOK_EVENTS, WebhookConfig, Workspace, webhook_url_problem
from dialnexa_emulator.webhooks._model import Endpoint, WebhookError


class Registry:
    """Endpoints by id. Not locked: `Webhooks` holds its lock around every use."""

    def __init__(
        self,
        workspaces: Iterable[Workspace],
        ids: Iterator[int],
        on_secret: Callable[[str], None],
    ) -> None:
        self.workspaces = {w.id: w for w in workspaces}
        self._ids = ids
        self._on_secret = on_secret
        self.restore()

    def restore(self) -> None:
        """Back to the configured endpoints."""
        self.endpoints: dict[str, Endpoint] = {}
        self.hooked: frozenset[str] = frozenset()  # workspaces with at least one endpoint
        for workspace in self.workspaces.values():
            for hook in workspace.webhooks:
                self.add(workspace.id, hook)

    @staticmethod
    def check(url: str, secret: str, events: frozenset[str], timeout_ms: int, retries: int) -> None:
        problem = webhook_url_problem(url)
        if problem is not None:
            raise WebhookError(f"url {problem}")
        if not secret:
            raise WebhookError("secret must not be empty")
        if not events or not events <= set(WEBHOOK_EVENTS):
            raise WebhookError(f"events must be some of {', '.join(WEBHOOK_EVENTS)}")
        if not 1000 <= timeout_ms <= 60000:
            raise WebhookError("timeout_ms must be between 1000 and 60000")
        if not 0 <= retries <= 3:
            raise WebhookError("retries must be between 0 and 3")

    def workspace(self, workspace_id: str | None) -> str:
        """The workspace an endpoint is for (default: the first); WebhookError if unknown."""
        workspace_id = workspace_id or next(iter(self.workspaces))
        if workspace_id not in self.workspaces:
            raise WebhookError(f"no workspace {workspace_id!r}")
        return workspace_id

    def add(self, workspace_id: str, hook: WebhookConfig) -> Endpoint:
        self._on_secret(hook.secret)
        endpoint = Endpoint(
            f"webhook_{next(self._ids)}",
            workspace_id,
            hook.url,
            hook.secret,
            hook.events,
            hook.active,
            hook.timeout_ms,
            hook.retries,
        )
        self.endpoints[endpoint.id] = endpoint
        self.hooked = frozenset(e.workspace_id for e in self.endpoints.values())
        return endpoint

    def remove(self, endpoint_id: str) -> bool:
        removed = self.endpoints.pop(endpoint_id, None) is not None
        self.hooked = frozenset(e.workspace_id for e in self.endpoints.values())
        return removed

    def subscribed(self, workspace_id: str, event_type: str) -> list[Endpoint]:
        """The active endpoints that get this workspace's events of this type."""
        return [
            endpoint
            for endpoint in self.endpoints.values()
            if endpoint.workspace_id == workspace_id
            and endpoint.active
            and event_type in endpoint.events
        ]

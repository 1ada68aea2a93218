"""The served emulator: the `dialnexa-emulator` command (`cli`), uvicorn serving and its HTTP
protocol, and the SQLite state file shared by workers and restarts."""

__all__: list[str] = []

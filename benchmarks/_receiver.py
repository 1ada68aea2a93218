"""A webhook receiver that misbehaves on purpose, for the webhook and soak benchmarks:
`python -m benchmarks._receiver MODE PORT`, MODE one of ok (204 at once), error (500 at once),
slow (204 after SLOW_SEC) or hang (reads the request, never answers)."""

from __future__ import annotations

import asyncio
import sys

SLOW_SEC = 0.5
MODES = ("ok", "error", "slow", "hang")


async def _handle(mode: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            length = 0
            line = await reader.readline()
            if not line:
                return
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            if mode == "hang":
                await asyncio.Event().wait()
            if mode == "slow":
                await asyncio.sleep(SLOW_SEC)
            status = b"500 Internal Server Error" if mode == "error" else b"204 No Content"
            writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def main(mode: str, port: int) -> None:
    server = await asyncio.start_server(
        lambda r, w: _handle(mode, r, w), "127.0.0.1", port, backlog=1024
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))

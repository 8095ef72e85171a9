"""The ingest bench's load generators: keep-alive connections sending pre-built webhook
requests, either raw on sockets (`RawClient`, the default: the cheapest client, so the
gateway is what is measured) or with httpx (`HttpxClient`)."""

from __future__ import annotations

from bench._http import ConnectionPool, outcome
from bench._stack import BenchStack

__all__ = ["Client", "HttpxClient", "RawClient", "Requests"]


class Requests:
    """Pre-built requests, each used once."""

    def __init__(self, raw: list[bytes]) -> None:
        self.raw = raw
        self.next = 0

    def take(self) -> bytes | None:
        if self.next >= len(self.raw):
            return None
        self.next += 1
        return self.raw[self.next - 1]


class RawClient:
    def __init__(self, stack: BenchStack, connections: int) -> None:
        self.conns = ConnectionPool(stack.host, stack.port, connections)

    async def start(self) -> None:
        await self.conns.start()

    async def refresh(self) -> None:
        await self.conns.refresh()

    async def send(self, raw: bytes) -> str:
        return outcome(*await self.conns.send(raw))

    async def close(self) -> None:
        await self.conns.close()


class HttpxClient:
    """The same requests through httpx.AsyncClient, to compare client overhead."""

    def __init__(self, stack: BenchStack, connections: int) -> None:
        import httpx

        self.url = stack.webhook_url
        self.client = httpx.AsyncClient(
            timeout=10,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )
        self.parsed: dict[int, tuple[bytes, dict[str, str]]] = {}

    def prepare(self, requests: list[bytes]) -> None:
        """Split the pre-built requests into body and headers (before timing)."""
        for raw in requests:
            head, _, body = raw.partition(b"\r\n\r\n")
            headers = {}
            for line in head.decode().split("\r\n")[1:]:
                name, _, value = line.partition(": ")
                if name.lower() not in ("host", "content-length"):
                    headers[name] = value
            self.parsed[id(raw)] = (body, headers)

    async def start(self) -> None:
        pass

    async def refresh(self) -> None:
        pass

    async def send(self, raw: bytes) -> str:
        body, headers = self.parsed[id(raw)]
        response = await self.client.post(self.url, content=body, headers=headers)
        return outcome(response.status_code, response.content)

    async def close(self) -> None:
        await self.client.aclose()


Client = RawClient | HttpxClient

"""Undo a feed's Content-Encoding (gzip or deflate) without ever holding more than the cap.

What it does: ``BodyDecoder`` takes the body's chunks as they arrive, counts the bytes on the wire
and the bytes decoded, and raises ``FetchError`` ("too_large" or "protocol", in plain words) as
soon as either passes the cap, so a small compressed bomb is stopped at the cap instead of being
inflated. "deflate" is read zlib-wrapped or raw, whichever the first bytes show. What it does
not do: HTTP (fetch/client.py hands it the raw chunks) or any other coding (refused).
"""

from __future__ import annotations

import zlib

from bot.core.errors import FetchError


def too_large(cap: int, detail: str) -> FetchError:
    return FetchError(
        "too_large",
        f"the feed is larger than the {cap:,}-byte limit ({detail}); "
        "the address may not serve a feed",
    )


class BodyDecoder:
    """Undo gzip/deflate while counting, never holding more than ``cap`` + 1 decoded bytes, so
    a small compressed bomb is stopped at the cap instead of being inflated."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c not in ("", "identity")]
        if codings not in ([], ["gzip"], ["x-gzip"], ["deflate"]):
            raise FetchError(
                "protocol",
                f"the server compressed the feed with {content_encoding!r}, "
                "which the bot did not ask for and cannot read",
            )
        self._deflate = codings == ["deflate"]
        self._cap = cap
        self._raw = 0
        self._out = bytearray()
        self._head = b""  # deflate: the first bytes, held until the header can be sniffed
        self._inflater = (
            zlib.decompressobj(16 + zlib.MAX_WBITS)
            if codings[:1] in (["gzip"], ["x-gzip"])
            else None
        )

    def feed(self, data: bytes) -> None:
        self._raw += len(data)
        if self._raw > self._cap:
            raise too_large(self._cap, f"more than {self._cap:,} bytes on the wire")
        if self._deflate and self._inflater is None:
            data = self._head = self._head + data
            if len(data) < 2:
                return
            # "deflate" is zlib-wrapped by the standard, raw in some servers: sniff the header.
            wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        if self._inflater is None:
            self._out += data
            if len(self._out) > self._cap:
                raise too_large(self._cap, "it kept coming after the limit")
            return
        try:
            while data and not self._inflater.eof:
                self._out += self._inflater.decompress(data, self._cap - len(self._out) + 1)
                if len(self._out) > self._cap:
                    raise too_large(self._cap, "it inflates beyond the limit when decompressed")
                data = self._inflater.unconsumed_tail
        except zlib.error as exc:
            raise FetchError(
                "protocol", f"the server's compressed body is corrupt ({exc})"
            ) from exc

    def finish(self) -> bytes:
        if self._deflate and self._inflater is None and self._head:
            raise FetchError("protocol", "the server's compressed body is truncated")
        return bytes(self._out)

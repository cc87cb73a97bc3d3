"""Reading JSON-RPC frames from a byte stream: bounded, and it recovers from bad frames.

pygls 2.1.1's reader (``pygls.io_.run_async``) trusts the ``Content-Length`` header: a
``Content-Length: 99999999999`` makes it allocate that much (MemoryError, the server
exits), and a header it does not understand (negative, not a number, missing) leaves it
waiting for a header that never comes (the server is wedged for good). This reader

- refuses frames larger than :data:`MAX_FRAME_BYTES` and header lines longer than
  :data:`MAX_HEADER_LINE` (nothing is allocated for them);
- after any bad frame, skips bytes until the next ``Content-Length:`` header (clients
  send compact JSON bodies without a newline, so the next header usually follows the
  bad body on the same line) and goes on;
- reports each problem once, with its reason, through ``report``.

What a frame's JSON means (and which requests must be answered) is the protocol's job
(:meth:`LintEnvProtocol.handle_raw`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, BinaryIO, Protocol

log = logging.getLogger("lint_env.lsp")

MAX_FRAME_BYTES = 64 << 20  # a frame announcing more is refused, not read
MAX_HEADER_LINE = 8192  # bytes; a longer "header line" is garbage
_CONTENT_LENGTH = b"content-length:"
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class AsyncReader(Protocol):
    def readline(self) -> Awaitable[bytes]: ...

    def readexactly(self, n: int) -> Awaitable[bytes]: ...


class StdinReader:
    """A binary stream read on a thread: bounded lines, exact reads (short at EOF)."""

    def __init__(self, stream: BinaryIO, executor: Any = None) -> None:
        self.stream = stream
        self.executor = executor

    def readline(self) -> Awaitable[bytes]:
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self.executor, self.stream.readline, MAX_HEADER_LINE)

    def readexactly(self, n: int) -> Awaitable[bytes]:
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self.executor, self.stream.read, n)


class StreamReader:
    """An :class:`asyncio.StreamReader` (TCP) with the same bounded behaviour."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    async def readline(self) -> bytes:
        try:
            return await self.reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            return exc.partial
        except asyncio.LimitOverrunError as exc:  # a huge line: hand it over in pieces
            return await self.reader.read(max(1, min(exc.consumed, MAX_HEADER_LINE)))

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.reader.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial


def _is_header(line: bytes) -> bool:
    name, colon, _ = line.partition(b":")
    return bool(colon) and line.endswith(b"\n") and _TOKEN.fullmatch(name.strip()) is not None


def content_length(value: bytes) -> int | None:
    """The header's value as a byte count, or None when it is not a plain number."""
    text = value.strip()
    if not text or len(text) > 20 or not text.isdigit():  # bytes.isdigit: ASCII only
        return None
    return int(text)


async def read_frames(
    reader: AsyncReader,
    report: Callable[[str], None],
    max_frame: int = MAX_FRAME_BYTES,
) -> AsyncIterator[bytes]:
    """Yield each frame's body; end at end of input."""
    carry = b""  # the start of a header found inside skipped bytes
    skipped = 0  # bytes skipped since the last good header
    glue = b""  # the tail of a long garbage line (a header may straddle two reads)
    while True:
        length: int | None = None
        problem: str | None = None
        headers = 0
        while True:
            if carry:
                line, carry = carry, b""
            else:
                line = await reader.readline()
                if not line:
                    if skipped or headers:
                        report(f"input ended inside a frame ({skipped} bytes skipped)")
                    return
            if headers == 0 and not line.strip():
                continue  # blank lines between frames: tolerated
            if headers and line in (b"\r\n", b"\n"):
                break  # end of this frame's headers
            if glue:  # the tail of a long garbage line: a header may start in it
                data, glue = glue + line, b""
                at = data.lower().find(_CONTENT_LENGTH)
                if at >= 0:
                    skipped += at
                    line = data[at:]
                    if not line.endswith(b"\n"):
                        line += await reader.readline()  # the rest of that header line
            at = line.lower().find(_CONTENT_LENGTH, 1)
            glued = at > 0 and at + len(_CONTENT_LENGTH) - 1 == line.find(b":")
            if _is_header(line) and not glued:
                if skipped:
                    report(f"skipped {skipped} bytes that were not a frame")
                    skipped = 0
                headers += 1
                name, _, value = line.partition(b":")
                if name.strip().lower() + b":" == _CONTENT_LENGTH:
                    length = content_length(value)
                    again = line.lower().find(_CONTENT_LENGTH, 1)
                    if length is None and again > 0 and headers == 1:
                        # "Content-Length: <rest of a body>Content-Length: 52": the text
                        # of a skipped body, then the real header.
                        skipped += again
                        carry, headers = line[again:], 0
                        continue
                    if length is None:
                        shown = value.strip()[:40].decode("ascii", "replace")
                        problem = f"bad Content-Length {shown!r}"
                continue
            # Not a header: part of a body we could not delimit. Look for the next frame
            # (after the start: the start is what was just found not to be a header).
            data = line
            if at > 0:
                skipped += at
                carry = data[at:]
                if not carry.endswith(b"\n"):
                    carry += await reader.readline()  # the rest of that header line
            else:
                skipped += len(data)
                if not line.endswith(b"\n"):  # a long line read in pieces
                    glue = data[-(len(_CONTENT_LENGTH) - 1) :]
                    skipped -= len(glue)
            if headers:
                report("a frame's headers were cut off; looking for the next frame")
            length, problem, headers = None, None, 0
        if problem is not None or length is None:
            report(f"{problem or 'a frame without Content-Length'}; skipped up to the next frame")
            continue
        if length > max_frame:
            report(
                f"a frame of {length} bytes is larger than the limit of {max_frame} bytes;"
                " skipped up to the next frame"
            )
            continue
        if length == 0:
            report("an empty frame (Content-Length: 0); skipped")
            continue
        body = await reader.readexactly(length)
        if len(body) < length:
            report(f"input ended inside a frame ({len(body)} of {length} bytes)")
            return
        yield body


def decode(body: bytes, report: Callable[[str], None]) -> dict[str, Any] | None:
    """The frame's JSON object, or None (reported) when it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        report(f"a frame that is not JSON was skipped ({type(exc).__name__}: {exc})"[:300])
        return None
    if not isinstance(data, dict):
        report(f"a frame that is not a JSON object ({type(data).__name__}) was skipped")
        return None
    return data


async def serve(
    reader: AsyncReader,
    protocol: Any,
    stop: Any,
    report: Callable[[str], None],
) -> None:
    """Hand each frame to ``protocol.handle_raw`` until end of input or ``stop`` is set.

    ``SystemExit`` (the ``exit`` notification) passes through to the caller."""
    async for body in read_frames(reader, report):
        data = decode(body, report)
        if data is not None:
            try:
                protocol.handle_raw(data)
            except Exception as exc:  # never lose the connection over one message
                log.exception("handling a message failed")
                report(f"handling a message failed: {type(exc).__name__}: {exc}"[:300])
        if stop.is_set():
            break

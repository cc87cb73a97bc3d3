"""The real server over stdio, fed raw bytes: broken frames, ill-typed params, the exit
code, huge buffers. Every case ends by proving the server still answers (a hover or a
shutdown request gets its response) or exits with the code the spec gives."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from lsp_raw import RawServer, frame

SHUTDOWN_99 = b'{"jsonrpc":"2.0","id":99,"method":"shutdown"}'


@pytest.fixture
def srv(tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n", encoding="utf-8")
    with RawServer(tmp_path) as server:
        server.initialize(tmp_path)
        yield server


def still_answers(srv: RawServer, root: Path) -> None:
    """A request sent after the bad input gets its own answer."""
    rid = srv.request(
        "textDocument/hover",
        {
            "textDocument": {"uri": (root / "x.txt").as_uri()},
            "position": {"line": 0, "character": 0},
        },
    )
    assert srv.response(rid, timeout=20) == {"jsonrpc": "2.0", "id": rid, "result": None}


def logged(srv: RawServer, needle: str) -> None:
    srv.wait_for(
        lambda m: m.get("method") == "window/logMessage" and needle in m["params"]["message"],
        timeout=20,
    )


def test_a_frame_larger_than_the_limit_is_skipped_with_a_reason(srv, tmp_path):
    srv.send_bytes(b"Content-Length: 99999999999\r\n\r\n" + SHUTDOWN_99)
    logged(srv, "a frame of 99999999999 bytes is larger than the limit")
    still_answers(srv, tmp_path)
    assert srv.proc.poll() is None
    # The skipped frame's request (shutdown, id 99) was not run.
    assert not any(m.get("id") == 99 for m in srv.seen)
    assert srv.shutdown_and_exit() == 0


def test_the_limit_is_a_documented_constant():
    from lint_env.lsp.transport import MAX_FRAME_BYTES

    assert MAX_FRAME_BYTES == 64 << 20


@pytest.mark.parametrize(
    "header",
    [b"Content-Length: -5", b"Content-Length: abc", b"Content-Length: 1e3", b"Content-Length:"],
)
def test_a_bad_content_length_does_not_wedge_the_server(srv, tmp_path, header):
    srv.send_bytes(header + b"\r\n\r\n" + SHUTDOWN_99)
    still_answers(srv, tmp_path)
    logged(srv, "bad Content-Length")
    assert not any(m.get("id") == 99 for m in srv.seen)
    assert srv.shutdown_and_exit() == 0


def test_a_too_small_content_length_resyncs_on_the_next_header(srv, tmp_path):
    srv.send_bytes(b"Content-Length: 10\r\n\r\n" + SHUTDOWN_99)
    still_answers(srv, tmp_path)
    logged(srv, "not JSON")
    logged(srv, "bytes that were not a frame")
    assert srv.shutdown_and_exit() == 0


def test_frames_without_length_garbage_and_non_objects(srv, tmp_path):
    srv.send_bytes(b"Content-Type: application/vscode-jsonrpc\r\n\r\n" + SHUTDOWN_99)
    srv.send_bytes(b"\x00\xff garbage line\r\n" + b"x" * 20000 + b"\r\n")
    srv.send(b"[1, 2, 3]")
    srv.send(b"{not json")
    srv.send(b"[" * 100000 + b"]" * 100000)  # nesting deeper than the JSON decoder goes
    still_answers(srv, tmp_path)
    logged(srv, "a frame without Content-Length")
    logged(srv, "not a JSON object")
    assert srv.shutdown_and_exit() == 0


def test_a_request_with_ill_typed_params_gets_an_invalid_params_error(srv, tmp_path):
    uri = srv.open(tmp_path / "requirements.txt", "numpy==1.26.4\n", "pip-requirements")
    srv.diagnostics(uri)
    rid = srv.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": 0, "character": -1}},
    )
    answer = srv.response(rid)
    assert answer["error"]["code"] == -32602
    assert "position" in answer["error"]["message"]
    rid = srv.request("textDocument/codeAction", {"textDocument": {"uri": uri}})
    assert srv.response(rid)["error"]["code"] == -32602
    still_answers(srv, tmp_path)
    assert srv.shutdown_and_exit() == 0


def test_a_request_that_is_not_json_rpc_2_gets_an_invalid_request_error(srv, tmp_path):
    srv.send({"id": 7, "method": "textDocument/hover", "params": {}})
    assert srv.response(7)["error"]["code"] == -32600
    srv.send({"jsonrpc": "2.0", "id": 8, "method": 5})
    assert srv.response(8)["error"]["code"] == -32600
    srv.send({"jsonrpc": "2.0", "id": [1], "method": "shutdown"})
    answer = srv.wait_for(lambda m: m.get("id") is None and "error" in m)
    assert answer["error"]["code"] == -32600
    still_answers(srv, tmp_path)
    assert srv.shutdown_and_exit() == 0


def test_an_ill_typed_notification_is_logged_and_the_server_goes_on(srv, tmp_path):
    srv.notify("textDocument/didOpen", {"textDocument": {"uri": 5}})
    logged(srv, "textDocument/didOpen")
    still_answers(srv, tmp_path)
    assert srv.shutdown_and_exit() == 0


def test_requests_after_shutdown_are_answered_with_an_error(srv, tmp_path):
    srv.response(srv.request("shutdown"))
    rid = srv.request(
        "textDocument/hover",
        {"textDocument": {"uri": "file:///x"}, "position": {"line": 0, "character": 0}},
    )
    assert srv.response(rid)["error"]["code"] == -32600
    srv.notify("exit")
    assert srv.wait() == 0


def test_exit_without_shutdown_exits_1(srv):
    srv.notify("exit")
    assert srv.wait() == 1


def test_exit_after_shutdown_exits_0(srv):
    assert srv.shutdown_and_exit() == 0


def test_a_huge_buffer_gets_one_diagnostic_and_no_analysis(srv, tmp_path):
    path = tmp_path / "requirements.txt"
    text = "numpy==1.26.4\n" * (20 * 1024 * 1024 // 14)  # 20 MB, 1.5 million lines
    uri = srv.open(path, text, "pip-requirements")
    (diag,) = srv.diagnostics(uri)
    assert diag["code"] == "LE004"
    assert diag["range"]["start"] == {"line": 0, "character": 0}
    assert f"{len(text.encode()):,} bytes" in diag["message"]
    assert "lintEnv.maxDocumentBytes" in diag["message"]
    # Back under the limit: the real findings come back.
    srv.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": "tensorflow-metal==1.1.0\ntensorflow==2.9.0\n"}],
        },
    )
    diags = srv.wait_for(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") == 2
        )
    )["params"]["diagnostics"]
    assert diags and all(d["code"] != "LE004" for d in diags)
    assert srv.shutdown_and_exit() == 0


def test_the_buffer_limit_is_a_setting(tmp_path):
    path = tmp_path / "requirements.txt"
    with RawServer(tmp_path) as srv:
        srv.initialize(tmp_path, {"lintEnv": {"maxDocumentBytes": 100}})
        uri = srv.open(path, "numpy==1.26.4\n" * 10, "pip-requirements")
        (diag,) = srv.diagnostics(uri)
        assert diag["code"] == "LE004" and "140 bytes" in diag["message"]
        small = srv.open(tmp_path / "requirements-dev.txt", "numpy==1.26.4\n", "pip-requirements")
        assert all(d["code"] != "LE004" for d in srv.diagnostics(small))
        assert srv.shutdown_and_exit() == 0


def test_exit_while_a_check_runs_still_exits(tmp_path):
    """A check busy on the core's worker thread does not keep an exited server alive."""
    with RawServer(tmp_path) as srv:
        srv.initialize(tmp_path, {"lintEnv": {"maxDocumentBytes": 1 << 30}})
        text = "numpy==1.26.4\n" * 400000
        srv.open(tmp_path / "requirements.txt", text, "pip-requirements")
        srv.notify("exit")
        assert srv.wait(timeout=30) == 1


def test_tcp_transport_uses_the_same_reader(tmp_path):
    import socket
    import subprocess
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "lint_env", "server", "--tcp", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the TCP server did not listen")
        with conn, conn.makefile("rb") as stream:

            def answer(msg_id: int) -> dict:
                while True:
                    length = 0
                    while (line := stream.readline()) not in (b"\r\n", b""):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    msg = json.loads(stream.read(length))
                    if msg.get("id") == msg_id and "method" not in msg:
                        return msg

            conn.sendall(b"Content-Length: 99999999999\r\n\r\n" + SHUTDOWN_99)
            init = {"processId": None, "rootUri": None, "capabilities": {}}
            conn.sendall(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}))
            assert "capabilities" in answer(1)["result"]
            conn.sendall(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
            assert answer(2) == {"jsonrpc": "2.0", "id": 2, "result": None}
            conn.sendall(frame({"jsonrpc": "2.0", "method": "exit"}))
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        assert proc.stderr is not None
        proc.stderr.close()


@pytest.mark.skipif(sys.platform != "linux", reason="a shebang interpreter and /proc")
def test_exit_during_a_validation_kills_the_probe(tmp_path):
    """The probe of a running lint-env.validate does not outlive the server."""
    import os
    import time

    pidfile = tmp_path / "probe.pid"
    fake = tmp_path / "python"
    fake.write_text(
        f"#!{sys.executable}\nimport os, sys, time\n"
        "if '-c' in sys.argv:\n    print('3.11.7')\n    sys.exit(0)\n"
        f"open({str(pidfile)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    with RawServer(tmp_path) as srv:
        srv.initialize(tmp_path)
        srv.request(
            "workspace/executeCommand",
            {"command": "lint-env.validate", "arguments": [{"python": str(fake), "timeout": 300}]},
        )
        for _ in range(300):
            if pidfile.exists() and pidfile.read_text():
                break
            time.sleep(0.1)
        pid = int(pidfile.read_text())
        srv.notify("exit")
        assert srv.wait(timeout=30) == 1
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]
            except OSError:
                break  # gone between the two looks
            if stat in ("Z", "X"):
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            raise AssertionError(f"the probe {pid} outlived the server")


# --- the frame reader on its own (every way a body and the next header can meet) -------


class _Bytes:
    """A reader over fixed bytes; ``chunk`` caps each read like a bounded readline."""

    def __init__(self, data: bytes, chunk: int | None = None) -> None:
        self.data, self.chunk = data, chunk

    async def readline(self) -> bytes:
        end = self.data.find(b"\n")
        n = len(self.data) if end < 0 else end + 1
        if self.chunk:
            n = min(n, self.chunk)
        out, self.data = self.data[:n], self.data[n:]
        return out

    async def readexactly(self, n: int) -> bytes:
        out, self.data = self.data[:n], self.data[n:]
        return out


def _frames(data: bytes, chunk: int | None = None) -> tuple[list[bytes], list[str]]:
    import asyncio

    from lint_env.lsp.transport import read_frames

    async def collect():
        problems: list[str] = []
        return [b async for b in read_frames(_Bytes(data, chunk), problems.append)], problems

    return asyncio.run(collect())


GOOD = b'{"b":2}'


@pytest.mark.parametrize(
    ("data", "first"),
    [
        (frame(b'{"a":1}'), [b'{"a":1}']),
        (b"Content-Length: -5\r\n\r\n" + b'{"x":1}', []),
        (b"Content-Length: 3\r\n\r\n" + b'{"x":12345}', [b'{"x']),
        (b"Content-Length: 5000000000\r\n\r\n" + b'{"t":"Content-Length: foo"}', []),
        (b"x" * 100, []),  # garbage that ends in header characters
        (b"Content-Type: a\r\ncontent-length: 7\r\n\r\n" + b'{"a":1}', [b'{"a":1}']),
        (b"\r\n\r\n", []),
    ],
)
def test_the_next_good_frame_is_always_found(data: bytes, first: list[bytes]):
    bodies, _ = _frames(data + frame(GOOD) + frame(GOOD))
    assert bodies == [*first, GOOD, GOOD]


def test_a_long_garbage_line_read_in_pieces_still_finds_the_header():
    # A 100 kB line without a newline read in pieces (a bounded readline), the header at
    # every offset from a piece's boundary. Pieces are never shorter than a header line.
    data = b"{" + b"y" * 100_000 + b"}" + frame(GOOD)
    for chunk in [*range(20, 60), 4096, 8192]:
        bodies, problems = _frames(data, chunk)
        assert bodies == [GOOD], chunk
        assert any("not a frame" in p for p in problems)


def test_requests_before_initialize_get_server_not_initialized(tmp_path):
    with RawServer(tmp_path) as srv:
        rid = srv.request(
            "textDocument/hover",
            {"textDocument": {"uri": "file:///x"}, "position": {"line": 0, "character": 0}},
        )
        assert srv.response(rid)["error"]["code"] == -32002
        srv.notify("textDocument/didOpen", {"textDocument": {
            "uri": (tmp_path / "requirements.txt").as_uri(), "languageId": "pip-requirements",
            "version": 1, "text": "tensorflow-gpu==2.10.0\n"}})  # fmt: skip
        srv.initialize(tmp_path)
        still_answers(srv, tmp_path)
        # The dropped didOpen opened nothing: no diagnostics were published for it.
        assert not any(m.get("method") == "textDocument/publishDiagnostics" for m in srv.seen)
        assert srv.shutdown_and_exit() == 0

"""Start `lint-env server` the way the VS Code extension does and check the contract
the extension relies on: it initializes with the extension's initializationOptions
without complaint, offers `lint-env.validate`, syncs jupyter-notebook python cells,
and reports a broken requirements line.

    python -S scripts/smoke_server.py --libs bundled/libs

(-S keeps site-packages out, so only the bundle and the standard library are used.)
The server is started exactly as the extension starts it: launcher/lint_env_launcher.py
by absolute path, the extension folder as working directory. The workspace holds
modules named like what lint-env imports (yaml.py, fnmatch.py, packaging/, lint_env/)
that write a marker when imported: the marker must not appear.
Exits 0 on success, 1 with a one-line reason otherwise. Standard library only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty, Queue

INIT_OPTIONS = {
    "targets": [],
    "pythonVersion": None,
    "interpreter": None,
    "select": [],
    "ignore": [],
}
CAPABILITIES = {
    "textDocument": {
        "synchronization": {"dynamicRegistration": True},
        "publishDiagnostics": {"relatedInformation": True},
    },
    "notebookDocument": {"synchronization": {"dynamicRegistration": True}},
    "window": {"workDoneProgress": True, "showMessage": {}},
    "workspace": {"configuration": True},
}


EXTENSION = Path(__file__).resolve().parent.parent
LAUNCHER = EXTENSION / "launcher" / "lint_env_launcher.py"
HOSTILE = ("yaml.py", "fnmatch.py", "runpy.py", "packaging/__init__.py", "lint_env/__init__.py")


def extension_command(libs: str | None) -> list[str]:
    """What the extension runs: the launcher by absolute path (never `-m`)."""
    site = ["-S"] if sys.flags.no_site else []  # the server runs like this script
    bundled = ["--libs", str(Path(libs).resolve())] if libs else []
    return [sys.executable, *site, str(LAUNCHER), *bundled, "--", "server"]


class Server:
    def __init__(self, cmd: list[str], cwd: Path = EXTENSION) -> None:
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.messages: Queue[dict] = Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length is None:
                return
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: dict) -> int:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def wait(self, match, timeout: float = 30.0) -> tuple[dict | None, list[dict]]:
        """First message for which match(msg) is true; answers server requests meanwhile."""
        seen: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.messages.get(timeout=0.2)
            except Empty:
                continue
            seen.append(msg)
            if "id" in msg and "method" in msg:  # a request from the server
                result = None
                if msg["method"] == "workspace/configuration":
                    result = [INIT_OPTIONS] * len(msg["params"].get("items", []))
                self.send({"id": msg["id"], "result": result})
            if match(msg):
                return msg, seen
        return None, seen


def syncs_jupyter_python(selector: dict) -> bool:
    """A notebookSelector entry that covers python cells of jupyter-notebook documents
    (no `notebook` filter means any notebook)."""
    notebook = selector.get("notebook")
    if isinstance(notebook, dict):
        notebook = notebook.get("notebookType")
    cells = selector.get("cells") or [{"language": "python"}]
    return notebook in (None, "jupyter-notebook", "*") and any(
        c.get("language") == "python" for c in cells
    )


def fail(reason: str) -> int:
    print(f"smoke_server: FAIL: {reason}")
    return 1


def plant(root: Path) -> Path:
    marker = root / "HOSTILE-CODE-RAN"
    for name in HOSTILE:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n", "utf-8")
    return marker


def main(argv: list[str]) -> int:
    libs = argv[argv.index("--libs") + 1] if "--libs" in argv else None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        marker = plant(root)
        req = root / "requirements.txt"
        req.write_text("numpy==1.26.4\ntensorflow>=>2\n", encoding="utf-8")
        (root / "environment.yml").write_text(
            "name: x\ndependencies:\n  - pip:\n    - numpy>=>1\n", encoding="utf-8"
        )
        server = Server(extension_command(libs))
        try:
            init_id = server.request(
                "initialize",
                {
                    "processId": os.getpid(),
                    "rootUri": root.as_uri(),
                    "capabilities": CAPABILITIES,
                    "initializationOptions": INIT_OPTIONS,
                    "workspaceFolders": [{"uri": root.as_uri(), "name": "smoke"}],
                },
            )
            reply, _ = server.wait(lambda m: m.get("id") == init_id)
            if reply is None or "result" not in reply:
                return fail(f"no initialize result: {reply}")
            caps = reply["result"]["capabilities"]
            commands = caps.get("executeCommandProvider", {}).get("commands", [])
            if "lint-env.validate" not in commands:
                return fail(f"lint-env.validate not among server commands {commands}")
            selectors = caps.get("notebookDocumentSync", {}).get("notebookSelector", [])
            if not any(syncs_jupyter_python(s) for s in selectors):
                return fail(f"no jupyter-notebook selector in notebookDocumentSync: {selectors}")
            server.send({"method": "initialized", "params": {}})
            server.send(
                {
                    "method": "textDocument/didOpen",
                    "params": {
                        "textDocument": {
                            "uri": req.as_uri(),
                            "languageId": "pip-requirements",
                            "version": 1,
                            "text": req.read_text(encoding="utf-8"),
                        }
                    },
                }
            )
            diags, seen = server.wait(
                lambda m: (
                    m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == req.as_uri()
                    and m["params"]["diagnostics"]
                )
            )
            complaints = [
                m["params"]["message"]
                for m in seen
                if m.get("method") == "window/showMessage" and m["params"].get("type", 4) <= 2
            ]
            if complaints:
                return fail(f"server complained: {complaints}")
            if diags is None:
                return fail("no diagnostics for a broken requirements line")
            codes = [d.get("code") for d in diags["params"]["diagnostics"]]
            if "LE001" not in codes:
                return fail(f"expected LE001, got {codes}")
            env_file = root / "environment.yml"
            server.send(
                {
                    "method": "textDocument/didOpen",
                    "params": {
                        "textDocument": {
                            "uri": env_file.as_uri(),
                            "languageId": "yaml",
                            "version": 1,
                            "text": env_file.read_text(encoding="utf-8"),
                        }
                    },
                }
            )
            yml, _ = server.wait(
                lambda m: (
                    m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == env_file.as_uri()
                    and m["params"]["diagnostics"]
                )
            )
            if yml is None:
                return fail("no diagnostics for environment.yml (the YAML path)")
            if marker.exists():
                return fail(f"workspace code ran: {marker.read_text(encoding='utf-8')!r}")
            shut = server.request("shutdown", {})
            server.wait(lambda m: m.get("id") == shut, timeout=10)
            server.send({"method": "exit", "params": {}})
            server.proc.wait(timeout=10)
        finally:
            if server.proc.poll() is None:
                server.proc.kill()
    print(
        "smoke_server: ok (initialize, lint-env.validate, notebook sync, LE001 diagnostic,"
        " no workspace code run)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Drives a real VS Code (code-server in Debian's Chromium, through Playwright) for
tests/test_vscode_e2e.py and writes what it saw as JSON. Run by that test, in a Python
that has Playwright:

    python drive.py CONFIG.json

CONFIG: {"url", "workspace", "hostile", "user_data", "artifacts", "out"}. Each step waits for what a
user would wait for (a squiggle, a Problems entry, a hover, a file on disk), records
it, and takes a screenshot into `artifacts`; a step that times out is recorded as such
and the run goes on, so the test can say exactly what was missing.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import traceback
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

WAIT_MS = 30_000
NBSP = "\xa0"  # Monaco renders spaces as no-break spaces


def text_of(value: str) -> str:
    return value.replace(NBSP, " ")


class Run:
    def __init__(self, page: Page, artifacts: Path) -> None:
        self.page = page
        self.artifacts = artifacts
        self.seen: dict = {"steps": [], "errors": {}}
        self.shot = 0

    def screenshot(self, name: str) -> None:
        self.shot += 1
        self.page.screenshot(path=str(self.artifacts / f"{self.shot:02d}-{name}.png"))

    def step(self, name: str, action) -> None:
        started = time.monotonic()
        try:
            value = action()
            if value is not None:
                self.seen[name] = value
            self.seen["steps"].append(name)
        except Exception as exc:
            self.seen["errors"][name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
            traceback.print_exc()
        finally:
            self.seen.setdefault("seconds", {})[name] = round(time.monotonic() - started, 1)
            with contextlib.suppress(Exception):  # a screenshot is no result
                self.screenshot(name)

    # --- the workbench ----------------------------------------------------------------

    def open_folder(self, url: str, folder: Path) -> None:
        self.page.goto(f"{url}/?folder={folder}")
        self.page.wait_for_selector(".monaco-workbench", timeout=WAIT_MS)
        self.explorer_row("requirements.txt").wait_for(timeout=WAIT_MS)

    def explorer_row(self, name: str):
        return self.page.locator(
            f'.explorer-folders-view .monaco-list-row[aria-label="{name}"]'
        ).first

    def open_file(self, name: str) -> None:
        # Clicked in the Explorer: Ctrl+P right after load races the file index.
        self.explorer_row(name).click()
        self.page.locator(f'.tabs-container .tab[aria-label^="{name}"]').first.wait_for(
            timeout=WAIT_MS
        )

    def squiggles(self) -> list[str]:
        """The squiggle kinds (squiggly-error, squiggly-warning...) in the visible editors."""
        visible = self.page.locator('.monaco-editor [class*="squiggly-"] >> visible=true')
        visible.first.wait_for(timeout=WAIT_MS)
        classes = visible.evaluate_all("els => els.map(e => e.className)")
        return sorted({c for names in classes for c in names.split() if c.startswith("squiggly-")})

    def command(self, title: str) -> None:
        self.page.keyboard.press("F1")
        box = self.page.locator(".quick-input-widget input")
        box.wait_for(timeout=WAIT_MS)
        box.fill(f">{title}")
        self.page.locator(".quick-input-list .monaco-list-row", has_text=title).first.wait_for(
            timeout=WAIT_MS
        )
        self.page.keyboard.press("Enter")

    def problems(self) -> list[str]:
        panel = self.page.locator(".markers-panel")
        if not panel.is_visible():
            self.command("View: Focus Problems")
            panel.wait_for(timeout=WAIT_MS)
        rows = self.page.locator(".markers-panel .monaco-list-row")
        rows.first.wait_for(timeout=WAIT_MS)
        return [text_of(r) for r in rows.all_inner_texts()]

    def wait_problems(self, predicate, what: str, timeout_s: float = 60) -> list[str]:
        end = time.monotonic() + timeout_s
        rows: list[str] = []
        while time.monotonic() < end:
            try:
                rows = self.problems()
            except Exception:
                rows = []
            if predicate(rows):
                return rows
            time.sleep(0.5)
        raise TimeoutError(f"Problems never showed {what}; last: {rows}")

    def line_text(self, needle: str):
        return self.page.locator(".editor-instance .view-line", has_text=needle).first


def drive(config: dict) -> dict:
    artifacts = Path(config["artifacts"])
    artifacts.mkdir(parents=True, exist_ok=True)
    workspace = Path(config["workspace"])
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        run = Run(page, artifacts)
        run.step("opened", lambda: run.open_folder(config["url"], workspace))

        def requirements():
            run.open_file("requirements.txt")
            return run.squiggles()

        run.step("requirements_squiggles", requirements)

        def hover():
            run.line_text("tensorflow-gpu").locator("span").first.hover()
            box = page.locator(".monaco-hover-content", has_text="TF005").first
            box.wait_for(timeout=WAIT_MS)
            return text_of(box.inner_text())

        run.step("hover", hover)

        def version_hints():
            # requirements-dev.txt: an inlay hint with pip's pick after the range, and
            # version completion typed after `keras` (undone: nothing is saved)
            run.open_file("requirements-dev.txt")
            line = run.line_text("tensorflow>=2.16")
            page.locator(".editor-instance .view-line", has_text="→").first.wait_for(
                timeout=WAIT_MS
            )
            hint_line = text_of(line.inner_text())
            run.line_text("keras").click()
            page.keyboard.press("End")
            page.keyboard.type("==")
            rows = page.locator(".suggest-widget .monaco-list-row")
            rows.first.wait_for(timeout=WAIT_MS)
            labels = [text_of(t) for t in rows.all_inner_texts()][:5]
            page.keyboard.press("Escape")
            page.keyboard.press("Control+z")
            page.keyboard.press("Control+z")
            return {"hint_line": hint_line, "completion": labels}

        run.step("version_hints", version_hints)

        for name in ("environment.yml", "pyproject.toml"):

            def other(name=name):
                run.open_file(name)
                return run.squiggles()

            run.step(f"squiggles {name}", other)

        def notebook():
            run.open_file("explore.ipynb")
            cell = page.locator('.notebookOverlay .monaco-editor [class*="squiggly-"]').first
            cell.wait_for(timeout=WAIT_MS)
            return run.squiggles()

        run.step("notebook_squiggles", notebook)

        def all_problems():
            return run.wait_problems(
                lambda rows: all(
                    any(code in r for r in rows) for code in ("TF005", "LE001", "TF007", "IM001")
                ),
                "TF005, LE001, TF007 and IM001",
            )

        run.step("problems", all_problems)

        def target_change():
            settings = workspace / ".vscode" / "settings.json"
            settings.parent.mkdir(exist_ok=True)
            settings.write_text(json.dumps({"lintEnv.targets": ["linux-x86_64"]}), "utf-8")
            return run.wait_problems(
                lambda rows: (
                    any("LE001" in r for r in rows) and not any("TF005" in r for r in rows)
                ),
                "LE001 without TF005 (tensorflow-gpu builds for linux-x86_64)",
            )

        run.step("linux_target_problems", target_change)

        def target_back():
            (workspace / ".vscode" / "settings.json").write_text("{}", "utf-8")
            return run.wait_problems(lambda rows: any("TF005" in r for r in rows), "TF005 again")

        run.step("default_target_problems", target_back)

        def quick_fix():
            page.locator(".tabs-container .tab[aria-label^='requirements.txt']").first.click()
            run.line_text("tensorflow-gpu").click()
            page.keyboard.press("Home")
            page.keyboard.press("Control+.")
            wanted = "Replace tensorflow-gpu with tensorflow"
            page.locator(".action-widget .monaco-list-row", has_text=wanted).first.wait_for(
                timeout=WAIT_MS
            )
            titles = [
                text_of(t)
                for t in page.locator(".action-widget .monaco-list-row").all_inner_texts()
            ]
            # The menu is keyboard driven (a click on a row races its hover handling); the
            # first action is focused, group headers ("Quick Fix") are skipped.
            actions = [t for t in titles if t.startswith("lint-env")]
            for _ in range(next(i for i, t in enumerate(actions) if wanted in t)):
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            run.line_text("tensorflow==").wait_for(timeout=WAIT_MS)
            page.keyboard.press("Control+s")
            target = workspace / "requirements.txt"
            end = time.monotonic() + 30
            while "tensorflow-gpu" in target.read_text("utf-8") and time.monotonic() < end:
                time.sleep(0.2)
            return {"actions": titles, "saved": target.read_text("utf-8")}

        run.step("quick_fix", quick_fix)

        def validate():
            run.command("lint-env: Validate TensorFlow/Metal in Selected Interpreter")
            # The channel's text is virtualised on screen; VS Code also writes it to disk.
            logs = Path(config["user_data"]) / "logs"
            end = time.monotonic() + 120
            while time.monotonic() < end:
                for channel in logs.glob("*/exthost*/output_logging_*/*lint-env validation.log"):
                    text = channel.read_text("utf-8", errors="replace")
                    if "Verdict:" in text:
                        page.locator(".output-view .view-lines").first.wait_for(timeout=WAIT_MS)
                        return text
                time.sleep(0.5)
            raise TimeoutError("no validation report in the lint-env: validation channel")

        run.step("validate_output", validate)

        def restart():
            page.locator(".tabs-container .tab[aria-label^='requirements.txt']").first.click()
            run.command("lint-env: Restart Server")
            time.sleep(3)  # the old server stops, the new one starts and re-checks
            return run.squiggles()

        run.step("after_restart_squiggles", restart)

        # A hostile workspace: modules named like what lint-env imports.
        run.step("hostile_opened", lambda: run.open_folder(config["url"], Path(config["hostile"])))

        def hostile():
            run.open_file("environment.yml")
            return run.squiggles()

        run.step("hostile_squiggles", hostile)
        browser.close()
        return run.seen


def main() -> int:
    config = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    seen = drive(config)
    Path(config["out"]).write_text(json.dumps(seen, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Screenshots of every page at a desktop and a phone size, for the README and reviews.

    .venv/bin/python scripts/screenshots.py [--data-dir DIR]

Serves the data directory (the bundled corpus is built into a temporary one unless
--data-dir names a built one) on 127.0.0.1 and saves `docs/screenshots/{name}.png` (1366 px)
and `{name}-phone.png` (390 px) with Debian's Chromium (`/usr/bin/chromium`). Requests that
would leave 127.0.0.1 are blocked.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
PAGES = {
    "home": "/", "search": "/search?q=what+are+the+limitations+of+connectivism",
    "comparison": "/search?q=difference+between+ADDIE+and+SAM", "theories": "/theories",
    "theory": "/theories/connectivism", "people": "/people", "person": "/people/george-siemens",
    "compare": "/compare?theories=addie,sam", "graph": "/graph", "graph-focus": "/graph",
    "sparql": "/sparql",
    "resource": "/id/theory/connectivism/limitation/information-overload",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data_dir or Path(tmp) / "data"
        ltgraph = [sys.executable, "-m", "ltgraph", "--data-dir", str(data)]
        if args.data_dir is None:
            subprocess.run([*ltgraph, "build"], check=True)
        port = free_port()
        server = subprocess.Popen([*ltgraph, "serve", "--port", str(port), "--workers", "1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**os.environ})
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(base + "/api/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.5)
            OUT.mkdir(parents=True, exist_ok=True)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium")
                for suffix, size in (("", (1366, 900)), ("-phone", (390, 844))):
                    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
                    page = context.new_page()
                    page.route("**/*", lambda route: route.continue_()
                               if route.request.url.startswith(base) else route.abort())
                    for name, path in PAGES.items():
                        page.goto(base + path)
                        if name == "sparql":
                            page.wait_for_selector(".yasgui .tabsList")
                        if name.startswith("graph"):
                            page.wait_for_selector("#explorer[data-visible-nodes]")
                        if name == "graph-focus":  # the explorer focused on one entry
                            page.fill("#find", "Connectivism")
                            page.click("#explorer-controls button[type=submit]")
                            page.locator("#cy").scroll_into_view_if_needed()
                            page.wait_for_timeout(600)  # the zoom animation (300 ms)
                        page.screenshot(path=str(OUT / f"{name}{suffix}.png"), full_page=False)
                        print(f"saved {name}{suffix}.png")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

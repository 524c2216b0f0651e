"""Vendor YASGUI (the SPARQL console) into the package's static files, pinned and checked.

    .venv/bin/python scripts/vendor_yasgui.py          # fetch from npm, verify, write
    .venv/bin/python scripts/vendor_yasgui.py --check  # verify the vendored files (no network)

Takes `@zazuko/yasgui` (the maintained YASGUI build, MIT licence) at `VERSION` from the npm
registry with `npm pack`, checks the tarball against the registry's published SHA-512
integrity pinned below, and copies `build/yasgui.min.js` and `build/yasgui.min.css` to
`src/ltgraph/web/static/vendor/yasgui/` with `VENDOR.json` (version, integrity, each file's
SHA-256). Nothing is loaded from a CDN at run time. To upgrade: change `VERSION` and
`INTEGRITY` (`npm view @zazuko/yasgui@<v> dist.integrity`), run the script, run the browser tests.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@zazuko/yasgui"
VERSION = "4.6.2"
INTEGRITY = "sha512-Zw45KdPoAE1KRaAoxIHdQqeJxvaVG1oQdntw0hy0ktX35Zu8ZccuOLrXCLwR+GU+0xMzLw8Mjw6BkSZV2vUuQw=="
FILES = ("build/yasgui.min.js", "build/yasgui.min.css")
TARGET = Path(__file__).resolve().parents[1] / "src" / "ltgraph" / "web" / "static" / "vendor" / "yasgui"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check() -> list[str]:
    """Problems with the vendored files ([] when they are exactly what VENDOR.json records)."""
    manifest = TARGET / "VENDOR.json"
    if not manifest.is_file():
        return [f"{manifest} is missing: run scripts/vendor_yasgui.py"]
    data = json.loads(manifest.read_text("utf-8"))
    problems = []
    if data.get("version") != VERSION or data.get("integrity") != INTEGRITY:
        problems.append(f"VENDOR.json records {data.get('version')}, the script pins {VERSION}")
    for name, digest in data.get("files", {}).items():
        path = TARGET / name
        if not path.is_file() or sha256(path) != digest:
            problems.append(f"{path} differs from what VENDOR.json records")
    return problems


def vendor() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=tmp, check=True,
                       capture_output=True)
        tarball = next(Path(tmp).glob("*.tgz"))
        algorithm, expected = INTEGRITY.split("-", 1)
        actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
        if actual != expected:
            raise SystemExit(f"{tarball.name}: integrity {algorithm}-{actual} is not the pinned "
                             f"{INTEGRITY}; refusing to vendor it")
        TARGET.mkdir(parents=True, exist_ok=True)
        files = {}
        with tarfile.open(tarball) as archive:
            for name in FILES:
                member = archive.extractfile(f"package/{name}")
                if member is None:
                    raise SystemExit(f"{name} is not in {tarball.name}")
                out = TARGET / Path(name).name
                out.write_bytes(member.read())
                files[out.name] = sha256(out)
    (TARGET / "VENDOR.json").write_text(json.dumps({
        "package": PACKAGE, "version": VERSION, "integrity": INTEGRITY, "license": "MIT",
        "source": f"https://www.npmjs.com/package/{PACKAGE}/v/{VERSION}", "files": files,
    }, indent=2) + "\n", "utf-8")
    print(f"vendored {PACKAGE}@{VERSION} into {TARGET}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        problems = check()
        print("\n".join(problems) or "vendored files match VENDOR.json")
        return 1 if problems else 0
    vendor()
    return 0


if __name__ == "__main__":
    sys.exit(main())

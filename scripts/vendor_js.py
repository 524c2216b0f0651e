"""Vendor the pages' JavaScript from npm into the package's static files, pinned and checked.

    .venv/bin/python scripts/vendor_js.py          # fetch every package from npm, verify, write
    .venv/bin/python scripts/vendor_js.py --check  # verify the vendored files (no network)

Each package of `PACKAGES` is taken at its pinned version from the npm registry with `npm pack`,
checked against the registry's published SHA-512 integrity pinned below, and the listed files
are copied to `src/ltgraph/web/static/vendor/<name>/` with `VENDOR.json` (version, integrity,
each file's SHA-256). Nothing is loaded from a CDN at run time.

- `yasgui`: `@zazuko/yasgui`, the maintained YASGUI build (the SPARQL console), MIT.
- `cytoscape`: Cytoscape.js, the graph explorer on `/graph`, MIT.

To upgrade one: change its version and integrity (`npm view <package>@<v> dist.integrity`), run
the script, run the browser tests.
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
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src" / "ltgraph" / "web" / "static" / "vendor"


@dataclass(frozen=True)
class Package:
    name: str  # the folder under static/vendor/
    package: str
    version: str
    integrity: str
    files: tuple[str, ...]  # paths inside the tarball's package/ folder
    license: str = "MIT"

    @property
    def target(self) -> Path:
        return VENDOR / self.name


PACKAGES = (
    Package("yasgui", "@zazuko/yasgui", "4.6.2",
            "sha512-Zw45KdPoAE1KRaAoxIHdQqeJxvaVG1oQdntw0hy0ktX35Zu8ZccuOLrXCLwR+GU+0xMzLw8Mjw6BkSZV2vUuQw==",
            ("build/yasgui.min.js", "build/yasgui.min.css")),
    Package("cytoscape", "cytoscape", "3.35.0",
            "sha512-sMvBIXiGMnhkCaWz2R06FwF/27MNlS+Tqvi17foO9UhnUg3XGZccKjxsvEqQFAQYMSSZmN5SxYzUYlQ0DOJJ3g==",
            ("dist/cytoscape.min.js", "LICENSE")),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check(pkg: Package) -> list[str]:
    """Problems with one package's vendored files ([] when they are what VENDOR.json records)."""
    manifest = pkg.target / "VENDOR.json"
    if not manifest.is_file():
        return [f"{manifest} is missing: run scripts/vendor_js.py"]
    data = json.loads(manifest.read_text("utf-8"))
    problems = []
    if data.get("version") != pkg.version or data.get("integrity") != pkg.integrity:
        problems.append(f"{manifest} records {data.get('version')}, the script pins {pkg.version}")
    if set(data.get("files", {})) != {Path(f).name for f in pkg.files}:
        problems.append(f"{manifest} lists other files than the script pins")
    for name, digest in data.get("files", {}).items():
        path = pkg.target / name
        if not path.is_file() or sha256(path) != digest:
            problems.append(f"{path} differs from what VENDOR.json records")
    return problems


def vendor(pkg: Package) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"{pkg.package}@{pkg.version}", "--silent"], cwd=tmp,
                       check=True, capture_output=True)
        tarball = next(Path(tmp).glob("*.tgz"))
        algorithm, expected = pkg.integrity.split("-", 1)
        actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
        if actual != expected:
            raise SystemExit(f"{tarball.name}: integrity {algorithm}-{actual} is not the pinned "
                             f"{pkg.integrity}; refusing to vendor it")
        pkg.target.mkdir(parents=True, exist_ok=True)
        files = {}
        with tarfile.open(tarball) as archive:
            for name in pkg.files:
                member = archive.extractfile(f"package/{name}")
                if member is None:
                    raise SystemExit(f"{name} is not in {tarball.name}")
                out = pkg.target / Path(name).name
                out.write_bytes(member.read())
                files[out.name] = sha256(out)
    (pkg.target / "VENDOR.json").write_text(json.dumps({
        "package": pkg.package, "version": pkg.version, "integrity": pkg.integrity,
        "license": pkg.license, "source": f"https://www.npmjs.com/package/{pkg.package}/v/{pkg.version}",
        "files": files,
    }, indent=2) + "\n", "utf-8")
    print(f"vendored {pkg.package}@{pkg.version} into {pkg.target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        problems = [p for pkg in PACKAGES for p in check(pkg)]
        print("\n".join(problems) or "vendored files match their VENDOR.json")
        return 1 if problems else 0
    for pkg in PACKAGES:
        vendor(pkg)
    return 0


if __name__ == "__main__":
    sys.exit(main())

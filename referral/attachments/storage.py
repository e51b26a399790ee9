"""The attachment file store: content-addressed by SHA-256, outside the web root, one file per distinct
content. The only module that reads or writes attachment files.

Layout under the root: ``ab/cd/<sha256>`` for kept files (no extension: nothing on disk is ever served or
executed by its name), ``tmp/`` for uploads still being received or checked. ``tmp/`` is on the same file
system as the kept files, so moving a checked upload into place is one atomic ``os.replace``."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from referral.filemodes import FILE_MODE, private_dir

CHUNK = 64 * 1024
KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}$")


class StoredFileUnavailable(Exception):
    """A kept file is missing or its bytes no longer match their SHA-256."""


def storage_root() -> Path:
    """``ATTACHMENT_ROOT`` if configured, else ``<instance>/attachments``. Refuses a root inside the static
    folder: files there would be served to anyone who guesses a name, past every scope check."""
    configured = current_app.config.get("ATTACHMENT_ROOT")
    root = Path(configured) if configured else Path(current_app.instance_path) / "attachments"
    root = root.resolve()
    if current_app.static_folder:
        static = Path(current_app.static_folder).resolve()
        if root == static or root.is_relative_to(static):
            raise RuntimeError(f"ATTACHMENT_ROOT {root} is inside the static folder {static}; "
                               "attachments must not be reachable without a scope check")
    return root


def key_for(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def path_for(key: str) -> Path:
    # The key comes from the database; a row edited to "../../etc/passwd" must not become a path.
    if not KEY_RE.fullmatch(key):
        raise StoredFileUnavailable(f"malformed storage key {key!r}")
    return storage_root() / key


class IncomingFile:
    """An upload being received into ``tmp/``: hashes and counts as it is written."""

    def __init__(self, fh, path: Path):
        self._fh = fh
        self._hash = hashlib.sha256()
        self.path = path
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._fh.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def finish(self) -> None:
        """Make the bytes durable before anything refers to them."""
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


@contextmanager
def incoming() -> Iterator[IncomingFile]:
    """A temporary file under the root for one upload. Removed on exit unless ``keep`` moved it into place,
    so a refused or failed upload leaves nothing behind."""
    tmp_dir = storage_root() / "tmp"
    private_dir(tmp_dir)  # personal data: the root and tmp/ 0700 (referral/filemodes.py)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")  # mkstemp creates the file with mode 0600
    path = Path(name)
    with os.fdopen(fd, "wb") as fh:
        try:
            yield IncomingFile(fh, path)
        finally:
            path.unlink(missing_ok=True)


def keep(upload: IncomingFile) -> str:
    """Move a received upload to its content address and return the storage key. Identical bytes are kept
    once: if the address is taken by an intact copy, the upload is dropped.

    Written before the request commits, unlike most file writes (docs/architecture.md#principles, 2), because it is harmless:
    a rolled-back upload leaves at worst an unreferenced, content-addressed file that a later upload of the
    same bytes reuses."""
    upload.finish()
    key = key_for(upload.sha256)
    target = storage_root() / key
    if target.exists():
        try:
            if file_sha256(target) == upload.sha256:
                return key  # the context manager removes the duplicate temp file
        except OSError:
            pass
        # A damaged copy under this address: the fresh, verified bytes take its place.
        current_app.logger.warning("attachment file %s did not match its hash; replaced by a new upload", key)
    private_dir(target.parent)
    os.chmod(upload.path, FILE_MODE)
    os.replace(upload.path, target)
    return key


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verified_path(key: str, sha256: str) -> Path:
    """The path of a kept file, after checking that its bytes are still the ones that were uploaded."""
    path = path_for(key)
    try:
        actual = file_sha256(path)
    except FileNotFoundError as exc:
        raise StoredFileUnavailable(f"attachment file {key} is missing") from exc
    except OSError as exc:
        raise StoredFileUnavailable(f"attachment file {key} cannot be read: {exc}") from exc
    if actual != sha256:
        raise StoredFileUnavailable(f"attachment file {key} does not match its SHA-256 (found {actual})")
    return path

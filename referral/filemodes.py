"""Files that hold personal data (attachments, exports, the SQLite database and task queue, backups) are
readable by the app's own account only: directories 0700, files 0600, whatever the umask
(docs/architecture.md#files-on-disk). A umask of 022 — the usual default — would otherwise leave them readable by
every account on the machine."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents with mode 0700 (``Path.mkdir(parents=True)`` gives the parents
    the umask's mode). Directories that already exist are left as they are: they may be shared ones like /srv."""
    target = path = Path(path)
    missing = []
    while not path.exists():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made meanwhile by another process
            continue
        os.chmod(directory, DIR_MODE)  # mkdir's mode is masked by the umask; this is not
    return target


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists with mode 0600 before a library (SQLite, Huey, zipfile) opens it: they create
    files with the umask's mode. An existing file of ours is narrowed to 0600."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def open_private(path: Path, mode: str = "wb"):
    """Open ``path`` for writing, created (or truncated) with mode 0600."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode)

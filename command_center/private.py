"""Files that hold personal data (the SQLite database, the message log, exports): created
readable and writable by their owner only (0600), in folders only the owner can enter (0700)."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> None:
    """Create ``path`` and its missing parents as 0700 (existing folders are left as they are)."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is masked by the umask


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists as a file only its owner may read (0600), its folder created
    0700 if missing; an existing file is narrowed to 0600.  Returns ``path``."""
    path = Path(path).expanduser()
    private_folder(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path

"""Write a file under a temporary name and rename it on success."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO

from custdata.errors import UsageError

__all__ = ["AtomicFile"]


class AtomicFile:
    """
    A binary file written under a temporary name in the target directory.

    `commit` renames it over the target with `os.replace`, which is atomic on
    the same file system; `abort` removes it. Until `commit`, no file with
    the target's name is created or changed, so a failed run leaves no file
    that looks complete.

    Args:
        path: The final path.

    Raises:
        UsageError: If the target's directory does not exist or the target is a directory.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        directory = self.path.parent
        if not directory.is_dir():
            raise UsageError(f"output directory does not exist: {directory}")
        if self.path.is_dir():
            raise UsageError(f"output is a directory: {self.path}")
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".part")
        self.temp_path = Path(temp)
        self.file: IO[bytes] = os.fdopen(fd, "wb")
        self._done = False

    def commit(self) -> None:
        """
        Flush, sync and rename the temporary file to the target.

        Raises:
            OSError: If the data cannot be written; the temporary file is removed.
        """
        if self._done:
            return
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            os.replace(self.temp_path, self.path)
        except BaseException:
            self.abort()
            raise
        self._done = True

    def abort(self) -> None:
        """Close and remove the temporary file; the target is left as it was."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            self.temp_path.unlink()

"""The rejects file: rejected rows with their numbers and issues, as CSV or JSONL."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from custdata.errors import UsageError
from custdata.io._base import Committing, open_sink
from custdata.io._formats import file_format
from custdata.io._text import escape_formula, format_cell, json_default
from custdata.model._rows import Reject

__all__ = ["REJECT_COLUMNS", "RejectsWriter", "open_rejects_writer"]

REJECT_COLUMNS: Final = ("_row", "_issues")
"""The first two columns of a CSV rejects file: the row number and the issues."""


class RejectsWriter(Committing):
    """
    The rejects file: each rejected row with its number, its issues and its values.

    CSV rejects have the columns ``_row``, ``_issues`` (``path: message [code]``
    joined by ``"; "``), then the row's columns; JSONL rejects are objects
    ``{"row": 12, "issues": [...], "values": {...}}``. Values are customer
    data: a rejects file is for internal use, to fix and reload the rows.
    Written atomically like every output.

    Attributes:
        path: The final path.
        count: Rejects written so far.
    """

    def __init__(self, path: Path, columns: Sequence[str], *, format: str) -> None:
        self.path = path
        self.count = 0
        self._columns = tuple(columns)
        self._format = format
        self._sink = open_sink(path)
        self._text = io.TextIOWrapper(
            self._sink.file, encoding="utf-8", newline="" if format == "csv" else "\n"
        )
        self._csv = csv.writer(self._text)
        if format == "csv":
            self._csv.writerow([*REJECT_COLUMNS, *(escape_formula(c) for c in self._columns)])

    def write(self, rejects: Iterable[Reject]) -> None:
        """
        Write rejects.

        Args:
            rejects: From `custdata.io.parse_batch` or a later step.
        """
        for reject in rejects:
            # Extra columns (kept with keep_extra) follow the row's other values.
            values = {**reject.values, **reject.extra} if reject.extra else reject.values
            if self._format == "csv":
                cells = [format_cell(values.get(column)) for column in self._columns]
                self._csv.writerow(
                    [
                        str(reject.row),
                        escape_formula(reject.issues_text),
                        *(escape_formula(cell) for cell in cells),
                    ]
                )
            else:
                line = {
                    "row": reject.row,
                    "issues": [str(issue) for issue in reject.issues],
                    "values": dict(values),
                }
                self._text.write(json.dumps(line, ensure_ascii=False, default=json_default))
                self._text.write("\n")
            self.count += 1

    def commit(self) -> None:
        """
        Finish the file and give it its final name.

        Raises:
            OSError: If the file cannot be written; nothing is left behind.
        """
        try:
            self._text.detach()
        except BaseException:
            self._sink.abort()
            raise
        self._sink.commit()

    def abort(self) -> None:
        """Drop the file."""
        self._sink.abort()


def open_rejects_writer(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str],
    format: str | None = None,
) -> RejectsWriter:
    """
    Open a rejects file, CSV or JSONL by its suffix.

    Args:
        path: The final path.
        columns: The value columns of the CSV form, usually `Reader.columns`
            or the record type's flat columns.
        format: ``"csv"`` or ``"jsonl"``; by default from the suffix.

    Returns:
        An open `RejectsWriter`; use it as a context manager.

    Raises:
        UsageError: For another format or a directory that does not exist.
    """
    kind = file_format(path, format)
    if not kind.rejects:
        msg = "rejects are written as CSV or JSONL (.csv, .jsonl)"
        raise UsageError(msg)
    return RejectsWriter(Path(path), columns, format=kind.name)

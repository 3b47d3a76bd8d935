"""JSON Lines: a streaming reader and an atomic writer (the format's entry is `JSONL`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

from custdata._text import INVALID_TEXT, INVALID_TEXT_MESSAGE, has_surrogates, replace_surrogates
from custdata.errors import InputError, Issue
from custdata.io._base import (
    FileFormat,
    Reader,
    ReadOptions,
    Shaper,
    TextWriter,
    WriteOptions,
    open_binary,
    replayable,
    shown_name,
)
from custdata.io._text import SNIFF_BYTES, LineSource, json_default
from custdata.model import to_dict
from custdata.model._rows import Row, sized_row

__all__ = ["JSONL", "RAW_LINE", "nest_dotted"]

RAW_LINE: Final = "_line"
"""The value name under which a JSONL line that is not a JSON object keeps its text."""

_NOT_JSON: Final = object()

_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
"""A JSON escape of a UTF-16 surrogate: a pair is a character, a lone one is not text."""


def _is_blank(sample: bytes) -> bool:
    return not sample.replace(b"\xef\xbb\xbf", b"").strip()


def _read(options: ReadOptions, shaper: Shaper) -> Reader:
    """Open a JSONL input (the `FileFormat.read` of `JSONL`)."""
    path = options.path
    stream, close = open_binary(path)
    try:
        sample, binary = replayable(stream, SNIFF_BYTES)
    except BaseException:
        close()
        raise
    if _is_blank(sample):
        close()
        # A file of more than 64 KiB of blank lines is caught at the end of the reading.
        raise InputError(f"empty file: {shown_name(path)}")
    lines = LineSource(binary, options.encoding)
    return Reader(
        path=path,
        format="jsonl",
        batches=_jsonl_batches(path, lines, shaper, options.batch_size),
        close=close,
        shaper=shaper,
    )


def _jsonl_batches(
    path: Path, lines: LineSource, shaper: Shaper, batch_size: int
) -> Iterator[list[Row]]:
    batch: list[Row] = []
    seen = False
    for line in lines:
        if not line.strip():
            continue
        seen = True
        number = lines.line
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            data = _NOT_JSON
        if isinstance(data, dict):
            values, issues, extra = shaper.split(data)
            if _SURROGATE_ESCAPE.search(line):
                issues.extend(_surrogate_issues(values))
                if extra:
                    issues.extend(_surrogate_issues(extra))
            batch.append(sized_row(number, values, issues, extra))
        else:
            message = "not valid JSON" if data is _NOT_JSON else "not a JSON object"
            issue = Issue(path="", code="invalid_json", message=message)
            # The line's text is kept for the rejects file (a JSONL one shows it as "_line").
            raw: dict[str, object] = {RAW_LINE: line.rstrip("\r\n")}
            batch.append(sized_row(number, raw, (issue,)))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if not seen:
        raise InputError(f"empty file: {shown_name(path)}")
    if batch:
        yield batch


def _surrogate_issues(values: dict[str, object]) -> list[Issue]:
    """
    Report each value holding a lone surrogate, which no encoding can write.

    Each such value is replaced in place, lone surrogates by U+FFFD, so that
    the rejects file the row goes to can be written.
    """
    issues: list[Issue] = []
    for name, value in values.items():
        if isinstance(value, str) and has_surrogates(value):
            issues.append(_surrogate_issue(name))
            values[name] = replace_surrogates(value)
        elif isinstance(value, list) and any(
            isinstance(item, str) and has_surrogates(item) for item in value
        ):
            issues.append(_surrogate_issue(name))
            values[name] = [
                replace_surrogates(item) if isinstance(item, str) else item for item in value
            ]
    return issues


def _surrogate_issue(name: str) -> Issue:
    return Issue(path=name, code=INVALID_TEXT, message=INVALID_TEXT_MESSAGE)


class JsonlWriter(TextWriter):
    """
    JSON Lines: one object per line, UTF-8.

    Args:
        path: The final path, or ``-``.
        columns: The columns (unused: each row is written as it is).
    """

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        super().__init__(path, "jsonl", columns, "utf-8")

    def write_rows(self, rows: Iterable[Mapping[str, object]]) -> None:  # documented on Writer
        for row in rows:
            self._text.write(json.dumps(row, ensure_ascii=False, default=json_default))
            self._text.write("\n")
            self.rows_written += 1

    def write_records(
        self,
        records: Iterable[object],
        extras: Iterable[Mapping[str, object]] | None = None,
    ) -> None:
        """
        Write records in their JSON form (`custdata.model.to_dict`), one per line.

        Extra columns follow the record's keys, their dotted names nested
        again (``meta.tier`` in ``meta``), as JSONL inputs give them.

        Args:
            records: custdata records.
            extras: Each record's extra columns (`custdata.io.Row.extra`).
        """
        if extras is None:
            self.write_rows(to_dict(record) for record in records)
            return
        self.write_rows(
            _with_extra(to_dict(record), extra)
            for record, extra in zip(records, extras, strict=True)
        )


def nest_dotted(row: Mapping[str, object]) -> dict[str, object]:
    """
    A flat row with dotted names as JSON objects: ``address.postal_code`` in ``address``.

    The form JSONL outputs give records (`custdata.model.to_dict`), which JSONL
    readers flatten back to dotted names. A name whose parent is a value is kept whole.

    Args:
        row: A flat row.

    Returns:
        A new dict.
    """
    return _with_extra({}, row)


def _with_extra(data: dict[str, object], extra: Mapping[str, object]) -> dict[str, object]:
    """Add extra columns to a record's JSON form, nesting dotted names where that is free."""
    for name, value in extra.items():
        target = data
        *parents, last = name.split(".")
        for parent in parents:
            inner = target.get(parent)
            if inner is None and parent not in target:
                inner = target[parent] = {}
            if not isinstance(inner, dict):
                target = data
                last = name  # a value holds the name: the dotted name is kept whole
                break
            target = inner
        target[last] = value
    return data


def _write(options: WriteOptions) -> JsonlWriter:
    """Open a JSONL output (the `FileFormat.write` of `JSONL`)."""
    return JsonlWriter(options.path, options.columns)


JSONL: Final = FileFormat(name="jsonl", read=_read, write=_write, needs_columns=False, rejects=True)
"""JSON Lines: one JSON object per line."""

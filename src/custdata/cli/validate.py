"""
Validate and normalise a customer file: canonical values out, untrustworthy rows aside.

Each row is checked against the record type, then its content is validated
(emails, phones, names, postal codes, birth dates, money, scores, consent; see
docs/validation.md). Rows without errors are written normalised: E.164 phones,
lower-case emails, NFC names, national postal codes. Rows that do not fit the
record type or have an error are rejected; give ``--rejects FILE`` to keep them
with their issues and their values as read (an internal file, for fixing).
Warnings do not reject a row. A summary by field and code is printed on stderr,
and the counts reconcile: rows read = rows written + rows rejected.
The exit code is 3 when rows were rejected.

example:
  custdata validate contacts.csv -o normalised.csv --rejects rejects.csv
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import sys
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

from custdata.cli._common import (
    Counts,
    UsageError,
    add_date_arguments,
    add_input_arguments,
    add_keep_extra_argument,
    add_output_arguments,
    admit_extra,
    close_record_files,
    finish,
    open_input,
    open_outputs,
    open_record_files,
    parquet_batches,
    reads_parquet_directly,
    record_type_from,
    today_from,
    warn_dropped_columns,
)

if TYPE_CHECKING:
    from custdata.errors import Issue
    from custdata.io import Reader, Reject, RejectsWriter

HELP = "validate and normalise a file: canonical values out, rows with errors to --rejects"

_SUMMARY_LINES: Final = 40
_CACHE_SIZE: Final = 20_000  # distinct values per kind kept across batches by validate_many


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the arguments of ``custdata validate``.

    Args:
        parser: The sub-command's parser.
    """
    add_input_arguments(parser)
    add_keep_extra_argument(parser)
    add_output_arguments(parser)
    group = parser.add_argument_group("validation")
    group.add_argument(
        "--region",
        default="FR",
        metavar="CC",
        help="country assumed when a row has no address country: national phone numbers "
        "are read in it, postal codes checked against it (default: FR)",
    )
    group.add_argument(
        "--keep-email-case",
        action="store_true",
        help="keep the case of the part of emails before the @ (default: lower-cased)",
    )
    add_date_arguments(parser, today_help="the date birth dates are checked against")


class _Summary:
    """Issues counted by field, code and severity, for the closing table."""

    def __init__(self) -> None:
        self.counts: collections.Counter[tuple[str, str, str]] = collections.Counter()

    def add(self, issues: tuple[Issue, ...]) -> None:
        for issue in issues:
            self.counts[(_field(issue.path), issue.code, str(issue.severity))] += 1

    def print(self) -> None:
        if not self.counts:
            sys.stderr.write("custdata validate: no issues found\n")
            return
        rows = sorted(self.counts.items(), key=lambda item: (item[0][0], item[0][1]))
        width_field = max(5, *(len(key[0]) for key, _ in rows))
        width_code = max(4, *(len(key[1]) for key, _ in rows))
        sys.stderr.write("custdata validate: issues by field and code\n")
        sys.stderr.write(f"  {'field':<{width_field}}  {'code':<{width_code}}  severity  count\n")
        for (field, code, severity), count in rows[:_SUMMARY_LINES]:
            sys.stderr.write(
                f"  {field:<{width_field}}  {code:<{width_code}}  {severity:<8}  {count}\n"
            )
        if len(rows) > _SUMMARY_LINES:
            sys.stderr.write(f"  and {len(rows) - _SUMMARY_LINES} more lines\n")


def _field(path: str) -> str:
    """Group list items under their list: ``lines[3].quantity`` -> ``lines[].quantity``."""
    if "[" not in path:
        return path or "<record>"
    parts = []
    for part in path.split("."):
        head, bracket, _rest = part.partition("[")
        parts.append(f"{head}[]" if bracket else part)
    return ".".join(parts)


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata validate``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 3 if rows were rejected.

    Raises:
        UsageError: For an unknown ``--region``.
    """
    from custdata.io import Reject, parse_batch
    from custdata.validation import validate_many
    from custdata.validation.phone import check_region

    try:
        region = check_region(args.region)
    except ValueError as exception:
        raise UsageError(f"--region: {exception}") from None
    today = today_from(args)
    record_type = record_type_from(args)
    counts = Counts()
    summary = _Summary()
    if reads_parquet_directly(args):
        _run_frames(args, record_type, region, today, counts, summary)
        summary.print()
        return finish("validate", counts, rejects_path=args.rejects, max_rejects=args.max_rejects)
    with contextlib.ExitStack() as stack:
        files = open_record_files(stack, args, record_type, desc="validate")
        writer, rejects = files.writer, files.rejects
        clean: list[object] = []
        clean_extras: list[Mapping[str, object]] = []  # parallel to clean
        refused: list[Reject] = []  # shape rejects join content rejects until the next flush
        # Row number, values and extra columns of each record handed to validate_many.
        pending: collections.deque[tuple[int, object, Mapping[str, object]]] = collections.deque()

        def parsed_records() -> Iterator[object]:
            for batch in files.batches:
                parsed = parse_batch(
                    admit_extra(batch, files.allowed), record_type, tz=args.timezone
                )
                values = {row.number: row.values for row in batch}
                pending.extend(
                    (number, values[number], extra)
                    for number, extra in zip(parsed.row_numbers, parsed.extras, strict=True)
                )
                for reject in parsed.rejects:
                    full = _with_content_issues(
                        reject, record_type, region=region, today=today, tz=args.timezone
                    )
                    summary.add(full.issues)
                    refused.append(full)
                counts.add(read=len(batch), written=0, rejects=())
                yield from parsed.records

        results = validate_many(
            parsed_records(),
            batch_size=args.batch_size,
            region=region,
            today=today,
            lowercase_local_part=not args.keep_email_case,
            # Bounded below the library's default: the peak memory then stays flat
            # from 100 000 to 1 000 000 rows (docs/performance.md, Memory).
            cache_size=_CACHE_SIZE,
        )
        keep = args.keep_extra
        for record, report in results:
            number, row_values, extra = pending.popleft()
            summary.add(report.issues)
            if report.ok:
                clean.append(record)
                clean_extras.append(extra)
            else:
                refused.append(
                    Reject(row=number, values=row_values, issues=report.issues, extra=extra)  # type: ignore[arg-type]  # a row's mapping
                )
            if len(clean) + len(refused) >= args.batch_size:
                _flush(clean, refused, writer, rejects, counts, extras=clean_extras, keep=keep)
        _flush(clean, refused, writer, rejects, counts, extras=clean_extras, keep=keep)
        close_record_files(files, record_type, counts)
    summary.print()
    return finish("validate", counts, rejects_path=args.rejects, max_rejects=args.max_rejects)


def _run_frames(  # noqa: PLR0917  # private, called once
    args: argparse.Namespace,
    record_type: type,
    region: str,
    today: dt.date,
    counts: Counts,
    summary: _Summary,
) -> None:
    """
    Validate a Parquet file with the frames engine, one record batch at a time.

    The rows are read from Arrow batches as `custdata.frames.validate_frames`
    reads them, with the same issues as the row path; the outputs, rejects and
    extra columns are written as the row path writes them.
    """
    from custdata.frames._apply import checked_batches, python_rows
    from custdata.io import Reject
    from custdata.io._parquet import open_parquet
    from custdata.model._rows import NO_EXTRA

    with contextlib.ExitStack() as stack:
        # The row reader checks the header (columns, --keep-extra) as for any input.
        reader: Reader = stack.enter_context(open_input(args, record_type))
        warn_dropped_columns(reader, record_type, final=False)
        writer, rejects = open_outputs(stack, args, record_type, reader)
        parquet = open_parquet(args.input)
        extra = list(reader.extra_columns)
        names = [name for name in parquet.schema_arrow.names if name not in reader.ignored_columns]
        fields = [name for name in names if name not in extra]
        current: list[Any] = []

        def batches() -> Iterator[Any]:
            for batch in parquet_batches(parquet, args.batch_size, "validate"):
                counts.add(read=batch.num_rows, written=0, rejects=())
                current[:] = [batch.select(names)]
                yield batch.select(fields)

        keep = args.keep_extra
        for checked in checked_batches(
            batches(),
            record_type,
            region=region,
            today=today,
            normalise=True,
            lowercase_local_part=not args.keep_email_case,
            tz=args.timezone,
            cache_size=_CACHE_SIZE,
        ):
            # The cells as read, for the rejected rows (and every row's extra columns).
            positions = [row.index - checked.start for row in checked.rows if extra or not row.ok]
            cells = dict(zip(positions, python_rows(current[0].take(positions)), strict=True))
            clean: list[object] = []
            clean_extras: list[Mapping[str, object]] = []
            refused: list[Reject] = []
            for row in checked.rows:
                values = cells.get(row.index - checked.start, {})
                extras = {name: values.pop(name) for name in extra} if extra else NO_EXTRA
                summary.add(row.issues)
                if row.ok:
                    clean.append(row.record)
                    clean_extras.append(extras)
                else:
                    refused.append(
                        Reject(row=row.index + 1, values=values, issues=row.issues, extra=extras)
                    )
            _flush(clean, refused, writer, rejects, counts, extras=clean_extras, keep=keep)
        counts.check()


def _with_content_issues(
    reject: Reject, record_type: type, *, region: str, today: dt.date, tz: str | None
) -> Reject:
    """Add to a row that does not fit the record type the content issues of its other fields."""
    from custdata.io import Reject
    from custdata.validation import content_issues

    more = content_issues(
        reject.values, reject.issues, record_type, region=region, today=today, tz=tz
    )
    if not more:
        return reject
    return Reject(
        row=reject.row, values=reject.values, issues=reject.issues + more, extra=reject.extra
    )


def _flush(
    clean: list[object],
    refused: list[Reject],
    writer: object,
    rejects: RejectsWriter | None,
    counts: Counts,
    *,
    extras: list[Mapping[str, object]],
    keep: bool,
) -> None:
    writer.write_records(clean, extras if keep else None)  # type: ignore[attr-defined]  # a custdata.io.Writer
    refused.sort(key=lambda reject: reject.row)  # shape and content rejects, in input order
    if rejects is not None and refused:
        rejects.write(refused)
    counts.add(read=0, written=len(clean), rejects=refused)
    clean.clear()
    refused.clear()
    extras.clear()

"""
Protect a customer file with a policy; every row is accounted for.

The policy is a TOML file or the name of a built-in policy (partner-share,
analytics, support-view); it gives the record type and, field by field, the
transform that protects it. Rows are normalised first, then protected, batch by
batch. Columns that are not fields of the record type are never passed through
(the audit counts them). A row that cannot be protected is rejected; the counts
reconcile: rows read = rows written + rows rejected, and the exit code is 3
when rows were rejected.

The output is meant to leave the organisation, and its rejects sit next to it:
the rejects file holds each row's number and issues, and no value unless
--rejects-with-values is given. The audit (--audit) records the policy and its
fingerprint, the key ids and the day used, and the counts by field, transform
and code; never a value or a key.

Keys come from --keys FILE or the CUSTDATA_KEYS environment variable, never
from the command line.

example:
  custdata apply --policy partner-share --keys keys.json contacts.csv -o partner.csv \\
      --rejects rejects.csv --audit audit.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from custdata.cli._common import (
    Counts,
    UsageError,
    add_audit_argument,
    add_date_arguments,
    add_input_arguments,
    add_key_arguments,
    add_output_arguments,
    finish,
    keys_from,
    open_audit,
    open_input,
    open_row_outputs,
    parquet_batches,
    policy_from,
    reader_batches,
    reads_parquet_directly,
    rejects_columns,
    started_at,
    today_from,
    warn,
    warn_columns,
)

if TYPE_CHECKING:
    from custdata.io import AtomicFile, Reader, Reject, RejectsWriter, Row, Writer
    from custdata.policy import Audit, BoundPolicy, Policy

__all__ = ["HELP", "add_arguments", "run"]

HELP = "protect a file with a policy: each field transformed as it says, with rejects and an audit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the arguments of ``custdata apply``.

    Args:
        parser: The sub-command's parser.
    """
    parser.add_argument(
        "--policy",
        required=True,
        metavar="POLICY",
        help="the policy: a TOML file, or the name of a built-in policy "
        "(partner-share, analytics, support-view)",
    )
    add_input_arguments(parser, type_default=None)
    output = add_output_arguments(
        parser,
        rejects_help="write rejected rows to FILE (.csv or .jsonl): their numbers and issues, "
        "and no value unless --rejects-with-values",
    )
    group = parser.add_argument_group("protection")
    group.add_argument(
        "--rejects-with-values",
        action="store_true",
        help="also write each rejected row's values to the rejects file: customer data, "
        "which then must not leave with the output",
    )
    group.add_argument(
        "--reject-invalid",
        action="store_true",
        help="reject a row with a value that fails validation, such as an impossible phone "
        "(default: such a value is protected as given, and counted in the audit)",
    )
    group.add_argument(
        "--region",
        default="FR",
        metavar="CC",
        help="country assumed when a row has no address country, for normalising phones "
        "and postal codes (default: FR)",
    )
    add_audit_argument(
        output,
        what="the policy, its fingerprint, the key ids and the day used, counts by field, "
        "transform and code, and the start and end times",
    )
    add_key_arguments(parser)
    add_date_arguments(
        parser,
        today_help="the day the policy's rules work as of (age bands, date truncation), "
        "unless the policy gives its reference date; recorded in the audit",
    )


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata apply``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 3 if rows were rejected beyond ``--max-rejects``.

    Raises:
        PolicyError: For a policy that cannot be loaded or bound (exit code 2).
        KeyRingError: For keys that cannot be read, or none for a policy with
            keyed rules (exit code 2).
        UsageError: For a ``--type`` or ``--region`` that does not fit (exit code 2).
    """
    # Everything that can be refused is checked before the input is read.
    policy = policy_from(args.policy)
    record_type = policy.record_class
    _check_type(args, policy)
    bound = _bind(args, policy)
    from custdata.io import parquet_column_types

    types = parquet_column_types(record_type, bound.output_types)
    with_values: bool = args.rejects_with_values
    if with_values and args.rejects is not None:
        warn(
            f"the rejects file {args.rejects} holds customer values (--rejects-with-values): "
            "keep it inside the organisation"
        )
    counts = Counts()
    if reads_parquet_directly(args):
        audit = _run_frames(args, bound, types, counts, with_values=with_values)
        _report(audit)
        return finish("apply", counts, rejects_path=args.rejects, max_rejects=args.max_rejects)
    with contextlib.ExitStack() as stack:
        # The input opens first (a bad header fails before any output exists), and the
        # audit before the outputs, so that it is committed after them, or not at all.
        reader: Reader = stack.enter_context(open_input(_with_extra(args), record_type))
        values = rejects_columns(reader, record_type) if with_values else ()
        audit_file, writer, rejects = _open_outputs(stack, args, bound, types, values)
        batches = reader_batches(reader, "apply")

        def rows() -> Iterator[Row]:
            for batch in batches:
                counts.add(read=len(batch), written=0, rejects=())
                yield from batch

        protected = bound.apply_many(
            rows(), batch_size=args.batch_size, reject_values=with_values, tz=args.timezone
        )
        items = iter(protected)
        while chunk := list(itertools.islice(items, args.batch_size)):
            _write(chunk, writer, rejects, counts, with_values=with_values)
        audit = _closed_audit(protected.audit, counts, audit_file)
    _warn_not_passed(reader, record_type)
    _report(audit)
    return finish("apply", counts, rejects_path=args.rejects, max_rejects=args.max_rejects)


def _open_outputs(
    stack: contextlib.ExitStack,
    args: argparse.Namespace,
    bound: BoundPolicy,
    types: dict[str, str],
    values: Sequence[str],
) -> tuple[AtomicFile | None, Writer, RejectsWriter | None]:
    """
    Open the audit, then the output and the rejects file (with the value columns ``values``).

    The audit opens before the outputs, so that it is committed after them, or not at all.
    """
    audit_file = open_audit(stack, args)
    writer, rejects = open_row_outputs(
        stack,
        args,
        columns=bound.output_columns,
        column_types=types,
        rejects_columns=values,
        record_type=bound.policy.record_class,
    )
    return audit_file, writer, rejects


def _closed_audit(audit: Audit, counts: Counts, audit_file: AtomicFile | None) -> Audit:
    """
    The run's audit with its times, checked against the command's counts and written.

    Raises:
        RuntimeError: If the policy's counts and the command's differ (a bug).
    """
    counts.check()
    if (audit.rows_read, audit.rows_written, audit.rows_rejected) != (
        counts.read,
        counts.written,
        counts.rejected,
    ):
        msg = "the policy's counts and the command's do not reconcile"
        raise RuntimeError(msg)
    audit = audit.with_times(started_at=started_at(), ended_at=dt.datetime.now(dt.UTC).astimezone())
    if audit_file is not None:
        audit_file.file.write(audit.to_json(indent=2).encode("utf-8") + b"\n")
    return audit


def _report(audit: Audit) -> None:
    day = audit.today.isoformat() if audit.today is not None else "none"
    sys.stderr.write(
        f"custdata apply: policy {audit.policy!r} version {audit.version} "
        f"({audit.fingerprint[:19]}...), today {day}, keys {', '.join(audit.key_ids) or 'none'}\n"
    )


def _run_frames(
    args: argparse.Namespace,
    bound: BoundPolicy,
    types: dict[str, str],
    counts: Counts,
    *,
    with_values: bool,
) -> Audit:
    """
    Protect a Parquet file with `custdata.frames.apply_frames`, one row group batch at a time.

    The rows, rejects and audit are those of the row path (`apply_frame` gives
    `apply_many`'s results); the values stay in Arrow columns from the file to
    the transforms' kernels.
    """
    from custdata.frames import apply_frames
    from custdata.frames._apply import python_rows
    from custdata.io._parquet import open_parquet

    record_type = bound.policy.record_class
    with contextlib.ExitStack() as stack:
        parquet = open_parquet(args.input)
        values = list(parquet.schema_arrow.names) if with_values else []
        audit_file, writer, rejects = _open_outputs(stack, args, bound, types, values)
        batches = parquet_batches(parquet, args.batch_size, "apply")
        inputs: list[Any] = []

        def kept(stream: Iterator[Any]) -> Iterator[Any]:
            for batch in stream:
                counts.add(read=batch.num_rows, written=0, rejects=())
                if with_values:
                    inputs[:] = [batch]
                yield batch

        run = apply_frames(bound, kept(batches), tz=args.timezone)
        start = 0
        for part in run:
            chunk: list[dict[str, object] | Reject] = list(python_rows(part.frame))
            chunk.extend(_rejects(part.rejects, inputs[0] if inputs else None, start))
            start += part.rows
            _write(chunk, writer, rejects, counts, with_values=with_values)
        audit = _closed_audit(run.audit, counts, audit_file)
    if audit.columns_not_passed:  # counted by the run, as the row path's reader names them
        warn_columns(list(audit.columns_not_passed), record_type, "not passed through")
    return audit


def _rejects(issues: Any, batch: Any, start: int) -> list[Reject]:
    """The rejects of one part: its issues grouped by row, values from the batch when kept."""
    from custdata.errors import Issue, Severity
    from custdata.frames._apply import python_rows
    from custdata.io import Reject
    from custdata.model._rows import NO_EXTRA

    grouped: dict[int, list[Issue]] = {}
    for row in issues.to_pylist():
        grouped.setdefault(row["index"], []).append(
            Issue(
                path=row["path"],
                code=row["code"],
                severity=Severity(row["severity"]),
                message=row["message"],
            )
        )
    out: list[Reject] = []
    for index, found in grouped.items():
        values: Mapping[str, object] = NO_EXTRA
        if batch is not None:
            values = python_rows(batch.slice(index - start, 1))[0]
        out.append(Reject(row=index + 1, values=values, issues=tuple(found), extra=NO_EXTRA))
    return out


def _check_type(args: argparse.Namespace, policy: Policy) -> None:
    """``--type`` only confirms the policy's record type: one that differs is a usage error."""
    from custdata.model import RECORD_TYPES

    given = args.type
    if given is not None and RECORD_TYPES[given] is not policy.record_class:
        msg = (
            f"--type {given} disagrees with the policy {policy.name!r}, which protects "
            f"{policy.record_type} records: leave --type out, or choose another policy"
        )
        raise UsageError(msg)


def _bind(args: argparse.Namespace, policy: Policy) -> BoundPolicy:
    """Bind the policy with the keys, the day and the options; refusals are exit code 2."""
    from custdata.policy import DROP
    from custdata.validation.phone import check_region

    try:
        region = check_region(args.region)
    except ValueError as exception:
        raise UsageError(f"--region: {exception}") from None
    # Keys are required exactly when a rule is keyed: the error then says where they come from.
    keyed = [
        path
        for path, resolved in policy.resolved().items()
        if resolved.keyed and resolved.rule.transform != DROP
    ]
    shown = ", ".join(keyed[:3]) + (", ..." if len(keyed) > 3 else "")
    keys = keys_from(
        args,
        required=bool(keyed),
        reason=f"the policy {policy.name!r} needs keys for its keyed rules ({shown})",
    )
    return policy.bind(
        keys=keys, today=today_from(args), region=region, reject_invalid=args.reject_invalid
    )


def _with_extra(args: argparse.Namespace) -> argparse.Namespace:
    """
    The arguments with ``keep_extra`` on, so that columns that are not fields reach the policy.

    The policy counts them in the audit and never passes them through.
    """
    return argparse.Namespace(**{**vars(args), "keep_extra": True})


def _write(
    chunk: list[dict[str, object] | Reject],
    writer: Writer,
    rejects: RejectsWriter | None,
    counts: Counts,
    *,
    with_values: bool,
) -> None:
    from custdata.io import Reject
    from custdata.model._rows import NO_EXTRA

    rows: list[dict[str, object]] = []
    refused: list[Reject] = []
    for item in chunk:
        if isinstance(item, Reject):
            # The library keeps no values unless asked; never write one that slipped through.
            refused.append(
                item
                if with_values
                else Reject(row=item.row, values=NO_EXTRA, issues=item.issues, extra=NO_EXTRA)
            )
        else:
            rows.append(item)
    if writer.format == "jsonl":  # JSON objects for nested fields, as records are written
        from custdata.io._jsonl import nest_dotted

        rows = [nest_dotted(row) for row in rows]
    writer.write_rows(rows)
    if rejects is not None and refused:
        rejects.write(refused)
    counts.add(read=0, written=len(rows), rejects=refused)


def _warn_not_passed(reader: Reader, record_type: type) -> None:
    """Name the input columns that are not fields: the policy never passes them through."""
    if reader.extra_columns:
        warn_columns(reader.extra_columns, record_type, "not passed through")

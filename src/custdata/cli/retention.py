"""
Plan retention: for each record, keep, archive under legal hold, pseudonymise or erase, and why.

Reads the contacts and, when given, their purchases, feedback and consent
events, and writes the plan: one row per record with its record type, id,
contact, action, rule, reason, the date the action became due and, for an
archive, the end of the hold (for a kept record, the day its rule falls due).
The totals by action are written on stderr. Without --rules, the documented
default rules (docs/lifecycle.md: a starting point modelled on the CNIL's
guidance, not legal advice). custdata decides; the host executes the plan.

A row that cannot be read is left out of the plan (exit 3); a consent row that
cannot be read stops the command (exit 4): it might be a withdrawal.

Each input has its own CSV options (--contacts-delimiter, --purchases-encoding...);
--delimiter and --encoding are the default of those that do not give theirs.

examples:
  custdata retention --contacts contacts.csv --purchases purchases.csv \\
      --consents consents.csv --today 2026-12-01 -o plan.csv
  custdata retention --rules rules.toml --contacts contacts.parquet -o plan.parquet
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from custdata.cli._common import (
    NamedInput,
    UsageError,
    add_date_arguments,
    add_named_inputs,
    add_output_arguments,
    check_consents,
    check_named_paths,
    open_output,
    read_named_records,
    records_of,
    today_from,
    warn_rejects,
)
from custdata.errors import InputError
from custdata.model import Consent, Contact, Feedback, Purchase
from custdata.model.enums import Channel, ConsentStatus, PurchaseStatus

if TYPE_CHECKING:
    from custdata.cli._common import NamedRecords
    from custdata.io import Reject
    from custdata.lifecycle import RetentionRules

__all__ = ["CONSENTS", "CONTACTS", "FEEDBACK", "HELP", "PURCHASES", "add_arguments", "run"]

HELP = "plan retention: keep, archive, pseudonymise or erase each record, with the rule and reason"

CONTACTS: Final = NamedInput(
    name="contacts",
    record_type=Contact,
    help="the contacts (contact_id, created_at and last_interaction_at are read)",
    fields=frozenset({"contact_id", "created_at", "last_interaction_at"}),
)
PURCHASES: Final = NamedInput(
    name="purchases",
    record_type=Purchase,
    required=False,
    help="their purchases (who is a customer, and the invoices under legal hold)",
    fields=frozenset({"purchase_id", "contact_id", "purchased_at", "total", "status"}),
)
FEEDBACK: Final = NamedInput(
    name="feedback",
    record_type=Feedback,
    required=False,
    help="their feedback",
    fields=frozenset({"feedback_id", "contact_id", "received_at", "kind"}),
)
CONSENTS: Final = NamedInput(
    name="consents",
    record_type=Consent,
    required=False,
    help="their consent events (the proofs, and the oppositions' do-not-contact entries)",
    fields=frozenset({"contact_id", "purpose", "channel", "status", "recorded_at"}),
)
_INPUTS: Final = (CONTACTS, PURCHASES, FEEDBACK, CONSENTS)


@attrs.frozen(kw_only=True)
class _Columns:
    """The columns the rules read from one input, and what a row needs in them."""

    text: tuple[str, ...]  # required, non-empty
    dates: tuple[str, ...] = ()  # required date-times
    optional_dates: tuple[str, ...] = ()
    choices: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)  # required unless defaulted
    defaults: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.text, *self.dates, *self.optional_dates, *self.choices)


_RULE_COLUMNS: Final[Mapping[str, _Columns]] = {
    "contacts": _Columns(
        text=("contact_id",), optional_dates=("created_at", "last_interaction_at")
    ),
    "purchases": _Columns(
        text=("purchase_id", "contact_id"),
        dates=("purchased_at",),
        choices={"status": tuple(PurchaseStatus)},
        defaults={"status": PurchaseStatus.COMPLETED.value},
    ),
    "feedback": _Columns(text=("feedback_id", "contact_id"), dates=("received_at",)),
    "consents": _Columns(
        text=("contact_id", "purpose"),
        dates=("recorded_at",),
        choices={"channel": tuple(Channel), "status": tuple(ConsentStatus)},
    ),
}


@attrs.frozen(kw_only=True)
class FrameRead:
    """
    One input read as an Arrow table of the columns the rules read, and its rows that did not fit.

    Attributes:
        table: The rows that fit, only the columns the rules read.
        rejects: The rows that did not, with their issues (from the record parser).
        rows: How many rows were read: ``table.num_rows + len(rejects)``.
    """

    table: Any
    rejects: list[Reject]
    rows: int


def _frame_path(args: argparse.Namespace, named: NamedInput) -> Path | None:
    """The Parquet file of an input read through the frame path, or ``None`` for the row reader."""
    from custdata.io import infer_format

    path = getattr(args, named.dest, None)
    if path is None or str(path) == "-" or getattr(args, f"{named.dest}_map", None):
        return None
    if infer_format(path, getattr(args, f"{named.dest}_format", None)) != "parquet":
        return None
    return Path(path)


def _usable(pa: Any, field: Any, columns: _Columns) -> bool:
    """Whether a column's type is one the frame path reads as the record parser would."""
    kind = field.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if field.name in (*columns.dates, *columns.optional_dates):
        return bool(pa.types.is_timestamp(kind) and kind.tz is not None)
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def read_frame(args: argparse.Namespace, named: NamedInput) -> FrameRead | None:
    """
    Read a Parquet input through the frame path: only the columns the rules read, no records.

    Rows missing a required value, or holding a value a field does not
    allow, are parsed by the record parser, so that their rejects say what
    the row reader would; only those rows become Python objects.

    Args:
        args: Parsed arguments from `add_named_inputs`.
        named: The input.

    Returns:
        The table and the rejects, or ``None`` when the input is not a
        Parquet file whose columns can be read as they are (standard input,
        ``--map``, CSV or JSON Lines, date-times without a time zone, columns
        of other types): the row reader reads it then.

    Raises:
        InputError: If the file cannot be read, or lacks a required column.
    """
    path = _frame_path(args, named)
    if path is None:
        return None
    from custdata.frames._arrow import _pyarrow
    from custdata.io import required_columns
    from custdata.io._parquet import open_parquet

    pa = _pyarrow()
    pc = importlib.import_module("pyarrow.compute")  # untyped, as pa

    columns = _RULE_COLUMNS[named.name]
    parquet = open_parquet(path)
    schema = parquet.schema_arrow
    # The record's other required columns that the row reader parses (a purchase's
    # total): read only to reject the rows missing them, as the row reader does.
    needed = [
        name
        for name in required_columns(named.record_type)
        if name not in columns.names
        and (named.fields is None or name.split(".", 1)[0] in named.fields)
    ]
    missing = [
        name for name in (*columns.text, *columns.dates, *needed) if name not in schema.names
    ]
    if missing:
        msg = f"{named.flag}: missing required columns: {', '.join(missing)}"
        raise InputError(msg)
    present = [name for name in columns.names if name in schema.names]
    if not all(_usable(pa, schema.field(name), columns) for name in present):
        return None
    read = [*present, *needed]
    try:
        batches = list(
            parquet.iter_batches(batch_size=args.batch_size, columns=read, use_threads=False)
        )
    except OSError as error:
        raise InputError(f"cannot read the Parquet file: {type(error).__name__}") from None
    table = pa.Table.from_batches(batches, schema=pa.schema([schema.field(n) for n in read]))
    for name, default in columns.defaults.items():
        if name in present:
            index = table.column_names.index(name)
            table = table.set_column(index, name, pc.fill_null(table.column(name), default))
    suspect = _suspects(pa, pc, table, columns=columns, present=present, needed=needed)
    rejects = _rejects(table, suspect, named, read, args)
    table = table.select(present)
    if rejects:
        numbers = pa.array([reject.row - 1 for reject in rejects], pa.int64())
        keep = pc.invert(pc.is_in(pa.array(range(table.num_rows), pa.int64()), value_set=numbers))
        rows = table.num_rows
        table = table.filter(keep)
        return FrameRead(table=table, rejects=rejects, rows=rows)
    return FrameRead(table=table, rejects=[], rows=table.num_rows)


def _suspects(
    pa: Any,
    pc: Any,
    table: Any,
    *,
    columns: _Columns,
    present: Sequence[str],
    needed: Sequence[str],
) -> Any:
    """The rows the record parser must read: a value missing or not allowed in a column read."""
    suspect = pa.array([False] * table.num_rows, pa.bool_())
    for name in present:
        column = table.column(name)
        if name in columns.text:
            text = column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            bad = pc.or_kleene(pc.is_null(text), pc.equal(pc.utf8_length(text), 0))
        elif name in columns.choices:
            allowed = pa.array(columns.choices[name], pa.string())
            plain = column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            bad = pc.invert(pc.is_in(plain, value_set=allowed).fill_null(False))
        elif name in columns.dates:
            bad = pc.is_null(column)
        else:
            continue
        suspect = pc.or_(suspect, bad.fill_null(True))
    for name in needed:
        suspect = pc.or_(suspect, pc.is_null(table.column(name)))
    return suspect


def _rejects(
    table: Any, suspect: Any, named: NamedInput, present: Sequence[str], args: argparse.Namespace
) -> list[Reject]:
    """The record parser's rejects of the suspect rows, on the columns read only."""
    from custdata.frames._arrow import _pyarrow
    from custdata.io import Row, parse_batch

    _pyarrow()
    pc = importlib.import_module("pyarrow.compute")
    positions = pc.indices_nonzero(suspect).to_pylist()
    if not positions:
        return []
    values = table.take(positions).to_pylist()
    rows = [
        Row(number=position + 1, values={k: v for k, v in row.items() if v is not None})
        for position, row in zip(positions, values, strict=True)
    ]
    parsed = parse_batch(rows, named.record_type, tz=args.timezone)
    read = {name.split(".", 1)[0] for name in present}
    rejects = []
    for reject in parsed.rejects:
        # Only the columns read are checked: the rules' and the other required ones.
        issues = tuple(issue for issue in reject.issues if issue.path.split(".", 1)[0] in read)
        if issues:
            rejects.append(attrs.evolve(reject, issues=issues))
    return rejects


def add_rules_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """
    Add ``--rules FILE``: a TOML retention rule set, the default rules without it.

    Args:
        parser: The parser or group.
    """
    parser.add_argument(
        "--rules",
        type=Path,
        default=None,
        metavar="FILE",
        help="the retention rules, a TOML file (default: the documented default rules)",
    )


def rules_from(args: argparse.Namespace) -> RetentionRules:
    """
    Return the rule set of ``--rules``, or the default one.

    Args:
        args: The parsed arguments.

    Returns:
        The rules.

    Raises:
        PolicyError: For a file that cannot be read or holds a bad rule set (exit 2).
    """
    from custdata.lifecycle import RetentionRules, default_rules

    path: Path | None = getattr(args, "rules", None)
    return default_rules() if path is None else RetentionRules.load(path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the inputs, ``--rules``, ``--today`` and the output.

    Args:
        parser: The ``custdata retention`` parser.
    """
    add_named_inputs(parser, _INPUTS)
    add_rules_argument(parser.add_argument_group("rules"))
    add_date_arguments(parser, today=True, today_help="the day the plan is made for")
    add_output_arguments(parser, rejects=False)


def _input_of(read: NamedRecords | FrameRead | None, record_type: type) -> object:
    """The planner's input: the frame path's table, or the records read."""
    if isinstance(read, FrameRead):
        return read.table
    return records_of(read, record_type)


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata retention``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 3 if rows could not be read (they are left out of the plan).

    Raises:
        UsageError: For arguments that cannot be used (exit code 2).
        PolicyError: For a bad rule set (exit code 2).
        InputError: For an unreadable file or consent row (exit code 4).
    """
    from custdata.lifecycle import PLAN_COLUMNS, plan_retention

    check_named_paths(args, _INPUTS)
    rules = rules_from(args)
    today = today_from(args)
    reads: dict[NamedInput, NamedRecords | FrameRead | None] = {}
    for named in _INPUTS:
        read = read_frame(args, named)
        reads[named] = read if read is not None else read_named_records(args, named)
    check_consents(reads[CONSENTS])
    if reads[CONTACTS] is None:  # a required option: argparse saw to it
        msg = "--contacts is required"
        raise UsageError(msg)
    plan = plan_retention(
        contacts=_input_of(reads[CONTACTS], Contact),
        purchases=_input_of(reads[PURCHASES], Purchase),
        feedback=_input_of(reads[FEEDBACK], Feedback),
        consents=_input_of(reads[CONSENTS], Consent),
        rules=rules,
        today=today,
    )
    with contextlib.ExitStack() as stack:
        writer = stack.enter_context(open_output(args, None, columns=list(PLAN_COLUMNS)))
        writer.write_rows(plan.rows())
    totals = plan.by_action()
    sys.stderr.write(
        f"custdata retention: {len(plan)} records planned for {today.isoformat()} "
        f"(rules {plan.rules}): "
        + ", ".join(f"{action} {count}" for action, count in totals.items())
        + "\n"
    )
    for record_type, counts in plan.totals().items():
        shown = ", ".join(f"{action} {count}" for action, count in counts.items() if count)
        sys.stderr.write(f"  {record_type}: {shown}\n")
    return warn_rejects(
        {named: read for named, read in reads.items() if named is not CONSENTS},
        "left out of the plan",
    )

"""
What every sub-command shares: exit codes, error handling, arguments, summaries.

Exit codes (documented in docs/cli.md):

==== ==========================================================
0    done
1    unexpected error (a bug: report it)
2    usage, policy or key error; nothing written
3    done, but some rows were rejected (see the rejects file)
4    input unreadable; nothing written
5    a privacy requirement could not be met; nothing released
==== ==========================================================
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import datetime as dt
import itertools
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

import attrs

from custdata._workers import signals_deferred
from custdata.errors import (
    CustDataError,
    InputError,
    Issue,
    KeyRingError,
    MissingDependencyError,
    PolicyError,
    PrivacyRequirementError,
)
from custdata.io import (
    DEFAULT_BATCH_SIZE,
    ENCODINGS,
    Reject,
    UsageError,
    normalise_encoding,
)
from custdata.model import RECORD_TYPES, Record

if TYPE_CHECKING:
    from custdata.io import AtomicFile, Reader, RejectsWriter, Row, Writer
    from custdata.keys import KeyRing
    from custdata.policy import Policy

__all__ = [
    "EXIT_BUG",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_PRIVACY",
    "EXIT_REJECTS",
    "EXIT_USAGE",
    "KEYS_VARIABLE",
    "Counts",
    "MaxRejects",
    "NamedInput",
    "NamedRecords",
    "RecordFiles",
    "UsageError",
    "add_audit_argument",
    "add_date_arguments",
    "add_input_arguments",
    "add_keep_extra_argument",
    "add_key_arguments",
    "add_named_inputs",
    "add_output_arguments",
    "admit_extra",
    "at_from",
    "check_consents",
    "check_named_paths",
    "close_record_files",
    "error",
    "exit_code_for",
    "finish",
    "format_help",
    "keys_from",
    "mapping_from",
    "number_type",
    "open_audit",
    "open_input",
    "open_named_input",
    "open_output",
    "open_outputs",
    "open_record_files",
    "open_records_output",
    "open_rejects",
    "open_row_outputs",
    "output_name",
    "parquet_batches",
    "peek_extra_columns",
    "policy_from",
    "positive_int",
    "read_named_records",
    "reader_batches",
    "reads_parquet_directly",
    "record_type_from",
    "records_of",
    "rejects_columns",
    "run_command",
    "set_command",
    "started_at",
    "today_from",
    "warn",
    "warn_dropped_columns",
    "warn_rejects",
    "write_rejects_preview",
]

EXIT_OK: Final = 0
"""Done."""
EXIT_BUG: Final = 1
"""Unexpected error: a bug, to report."""
EXIT_USAGE: Final = 2
"""Usage, policy or key error; nothing written."""
EXIT_REJECTS: Final = 3
"""Done, but some rows were rejected."""
EXIT_INPUT: Final = 4
"""Input unreadable; nothing written."""
EXIT_PRIVACY: Final = 5
"""A privacy requirement could not be met; nothing released."""

KEYS_VARIABLE: Final = "CUSTDATA_KEYS"
"""The environment variable that may hold the key file's JSON document (see `keys_from`)."""

DEBUG_VARIABLE: Final = "CUSTDATA_DEBUG"
"""Set to ``1`` to see tracebacks of unexpected errors (they may hold customer values)."""

_PREVIEW_REJECTS: Final = 5
"""How many rejected rows a summary or an error shows, with their issues (never their values)."""

_R = TypeVar("_R")
_N = TypeVar("_N", int, float)


# The sub-command being run, for the prefix of errors and warnings: "custdata validate:"
# once it is known, "custdata:" before. A context variable rather than a global, so
# that commands run from threads (tests, hosts calling main) never see another's name.
_COMMAND: Final[contextvars.ContextVar[str | None]] = contextvars.ContextVar(
    "custdata_command", default=None
)


# When the command started, read once from the clock by `run_command`: the command
# line may read the clock, the library never does. ``--today`` and ``--at`` default to
# it, and audits record it.
_STARTED: Final[contextvars.ContextVar[dt.datetime | None]] = contextvars.ContextVar(
    "custdata_started", default=None
)


def started_at() -> dt.datetime:
    """
    Return when the running command started: an aware datetime in the local time zone.

    `run_command` reads the clock once as the command starts; outside it
    (a host calling a command's ``run``), this reads the clock now.

    Returns:
        The start time, with the local UTC offset.
    """
    started = _STARTED.get()
    return started if started is not None else _now()


def _now() -> dt.datetime:
    # Aware, in the local time zone: the user's day, not UTC's.
    return dt.datetime.now(dt.UTC).astimezone()


def _prefix() -> str:
    command = _COMMAND.get()
    return f"custdata {command}" if command else "custdata"


@contextlib.contextmanager
def set_command(name: str | None) -> Iterator[None]:
    """
    Prefix errors and warnings with the sub-command's name while it runs.

    Args:
        name: The sub-command, such as ``"validate"``.
    """
    token = _COMMAND.set(name)
    try:
        yield
    finally:
        _COMMAND.reset(token)


def error(message: str) -> None:
    """
    Print an error on stderr: ``custdata COMMAND: error: ...``.

    Before a sub-command is known, the prefix is ``custdata: error:``.

    Args:
        message: A message free of customer values.
    """
    sys.stderr.write(f"{_prefix()}: error: {message}\n")


def warn(message: str) -> None:
    """
    Print a warning on stderr: ``custdata COMMAND: warning: ...``.

    Args:
        message: A message free of customer values.
    """
    sys.stderr.write(f"{_prefix()}: warning: {message}\n")


def exit_code_for(exception: BaseException) -> int:
    """
    Return the exit code an error leads to; the one place where errors meet exit codes.

    Args:
        exception: An exception a command raised.

    Returns:
        2 for usage, policy, key and missing-dependency errors, 4 for
        unreadable input, 5 for unmet privacy requirements, 1 otherwise.
    """
    if isinstance(exception, UsageError | PolicyError | KeyRingError | MissingDependencyError):
        return EXIT_USAGE
    if isinstance(exception, InputError):
        return EXIT_INPUT
    if isinstance(exception, PrivacyRequirementError):
        return EXIT_PRIVACY
    return EXIT_BUG


def run_command(  # noqa: PLR0911  # one return per kind of ending, each its own exit code
    run: Callable[[argparse.Namespace], int], args: argparse.Namespace
) -> int:
    """
    Run a sub-command, turning every exception into a message and an exit code.

    custdata's own errors print their message (which never holds a customer
    value). Any other exception is a bug: only its type is printed, and the
    traceback only when ``CUSTDATA_DEBUG=1``, because tracebacks can show values.

    Args:
        run: The sub-command's ``run`` function.
        args: The parsed arguments.

    Returns:
        The exit code.
    """
    token = _STARTED.set(_now())
    try:
        with _stop_on_signals():
            return run(args)
    except KeyboardInterrupt:
        sys.stderr.write(f"{_prefix()}: interrupted; nothing written\n")
        return 128 + signal.SIGINT
    except _Stopped as stop:
        name = signal.Signals(stop.signum).name
        sys.stderr.write(f"{_prefix()}: stopped by {name}; nothing written\n")
        return 128 + stop.signum
    except BrokenPipeError:
        # The reader of our output went away (``custdata demo | head``): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except CustDataError as exception:
        code = exit_code_for(exception)
        error(str(exception))
        if code == EXIT_BUG:
            _report_bug()
        return code
    except OSError as exception:
        # Disk full, permission denied: not a bug, and strerror holds no customer value.
        where = f": {exception.filename}" if exception.filename else ""
        error(f"{exception.strerror or type(exception).__name__}{where}")
        return EXIT_BUG
    except Exception as exception:  # noqa: BLE001  # the last line of defence: no traceback
        error(f"unexpected {type(exception).__name__}")
        _report_bug()
        return EXIT_BUG
    finally:
        _STARTED.reset(token)


class _Stopped(BaseException):
    """
    SIGTERM or SIGHUP, raised in the main thread the way SIGINT raises KeyboardInterrupt.

    A `BaseException`, like KeyboardInterrupt, so that no ``except Exception``
    swallows it: every ``with`` block unwinds, and every output still under its
    temporary name is removed.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# Signals that stop a command the way Ctrl-C does: `timeout`, service managers and
# closed terminals send these, and by default they kill the process before any
# temporary file (holding customer rows) can be removed.
_STOP_SIGNALS: Final = ("SIGTERM", "SIGHUP")


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into `_Stopped` while a command runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [getattr(signal, name) for name in _STOP_SIGNALS if hasattr(signal, name)]

    def stop(signum: int, _frame: object) -> None:
        # Once is enough: a second signal must not interrupt the clean-up under way.
        for other in signals:
            signal.signal(other, signal.SIG_IGN)
        raise _Stopped(signum)

    previous = {number: signal.signal(number, stop) for number in signals}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@attrs.frozen
class MaxRejects:
    """
    The level of dirt a pipeline tolerates: ``--max-rejects N`` or ``--max-rejects P%``.

    Attributes:
        count: At most this many rejected rows, if given as a count.
        percent: At most this share of the rows read, in percent, if given as ``P%``.
    """

    count: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, text: str) -> MaxRejects:
        """
        Read ``N`` (a whole number of rows) or ``P%`` (a percentage from 0 to 100).

        Args:
            text: The option's value.

        Returns:
            The tolerance.

        Raises:
            argparse.ArgumentTypeError: If the text is neither.
        """
        text = text.strip()
        if text.endswith("%"):
            number = text[:-1].strip()
            if re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", number) and float(number) <= 100:
                return cls(percent=float(number))
        elif re.fullmatch(r"\d+", text):
            return cls(count=int(text))
        msg = "expected a number of rows such as 10, or a percentage such as 0.5%"
        raise argparse.ArgumentTypeError(msg)

    def tolerates(self, rejected: int, read: int) -> bool:
        """
        Whether ``rejected`` rows out of ``read`` are within the tolerance.

        Args:
            rejected: Rows rejected.
            read: Rows read.

        Returns:
            True if the command may exit 0.
        """
        if self.count is not None:
            return rejected <= self.count
        if self.percent is None:
            return rejected == 0
        # Whole numbers compared, so that 0.5% of 200 rows is exactly 1 row.
        return rejected * 100 <= self.percent * read

    def __str__(self) -> str:
        return f"{self.count}" if self.count is not None else f"{self.percent:g}%"


def _report_bug() -> None:
    if os.environ.get(DEBUG_VARIABLE) == "1":
        traceback.print_exc(file=sys.stderr)
        return
    sys.stderr.write(
        "This is a bug in custdata: please report it to its maintainers with the command you "
        f"ran (not your data). Set {DEBUG_VARIABLE}=1 to see the traceback; it may show "
        "customer values.\n"
    )


# --- arguments -------------------------------------------------------------------------


def _map_item(text: str) -> tuple[str, str]:
    source, equals, target = text.rpartition("=")
    if not equals or not source.strip() or not target.strip():
        msg = "expected SOURCE=FIELD, such as 'Nom=family_name'"
        raise argparse.ArgumentTypeError(msg)
    return source.strip(), target.strip()


def _delimiter(text: str) -> str:
    named = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = named.get(text.lower(), text)
    if len(value) != 1 or value in '"\r\n':
        msg = "expected one character, such as ';' or '\\t'"
        raise argparse.ArgumentTypeError(msg)
    return value


def _encoding(text: str) -> str:
    try:
        return normalise_encoding(text)
    except UsageError as exception:
        raise argparse.ArgumentTypeError(str(exception)) from None


def _timezone(text: str) -> str:
    from custdata.model import check_tz

    try:
        check_tz(text)
    except ValueError:
        msg = "expected an IANA time zone name, such as Europe/Paris"
        raise argparse.ArgumentTypeError(msg) from None
    return text


def number_type(
    convert: Callable[[str], _N], *, low: _N | None = None, high: _N | None = None, expected: str
) -> Callable[[str], _N]:
    """
    Make an argparse ``type``: a number from ``low`` to ``high``, both included.

    Text that ``convert`` refuses, a number out of bounds, and NaN are refused
    with ``expected`` (argparse prefixes it with the option).

    Args:
        convert: Text to number, raising ValueError, such as `int` or `float`.
        low: The smallest number accepted, if any.
        high: The largest number accepted, if any.
        expected: The error, such as ``"expected a positive integer"``.

    Returns:
        The type function.
    """

    def parse(text: str) -> _N:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(expected) from None
        # Written as "not within" so that NaN, within no bounds, is refused too.
        if not ((low is None or low <= value) and (high is None or value <= high)):
            raise argparse.ArgumentTypeError(expected)
        return value

    return parse


positive_int: Final = number_type(int, low=1, expected="expected a positive integer")
"""The type of a count of at least 1, such as ``--batch-size``."""


def add_input_arguments(
    parser: argparse.ArgumentParser,
    *,
    record_type: bool = True,
    type_default: str | None = "contact",
) -> None:
    """
    Add the input arguments every reading command shares.

    ``INPUT``, ``--format``, ``--delimiter``, ``--encoding``, ``--map SOURCE=FIELD``
    (repeatable), ``--type`` (when ``record_type``) and ``--batch-size``.

    Args:
        parser: The sub-command's parser.
        record_type: Whether to add ``--type``.
        type_default: The default of ``--type``; ``None`` for a command whose
            record type comes from elsewhere (a policy), where ``--type`` only
            confirms it.
    """
    parser.add_argument(
        "input",
        type=Path,
        metavar="INPUT",
        help="CSV, JSONL or Parquet file, or - for standard input (then give --format)",
    )
    group = parser.add_argument_group("input")
    group.add_argument(
        "--format",
        choices=("csv", "jsonl", "parquet"),
        help="input format (default: from the suffix)",
    )
    group.add_argument(
        "--delimiter",
        type=_delimiter,
        help="CSV delimiter, such as ';' or '\\t' (default: sniffed among , ; tab |)",
    )
    group.add_argument(
        "--encoding",
        type=_encoding,
        default="utf-8",
        help=f"text encoding: {', '.join(ENCODINGS)} (default: utf-8)",
    )
    group.add_argument(
        "--map",
        type=_map_item,
        action="append",
        default=[],
        metavar="SOURCE=FIELD",
        help="read column SOURCE as the dotted FIELD (repeatable), such as Nom=family_name",
    )
    if record_type:
        group.add_argument(
            "--type",
            choices=sorted(RECORD_TYPES),
            default=type_default,
            help=f"record type of the rows (default: {type_default})"
            if type_default is not None
            else "record type of the rows, to confirm the policy's: one that differs is "
            "an error (default: the policy's)",
        )
    group.add_argument(
        "--timezone",
        type=_timezone,
        default=None,
        metavar="ZONE",
        help="time zone of date-times written without an offset, such as '29/11/2024 18:05' "
        "in French exports: an IANA name such as Europe/Paris (default: none, and such "
        "date-times are rejected as naive_datetime)",
    )
    group.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"rows per batch (default: {DEFAULT_BATCH_SIZE})",
    )


def add_keep_extra_argument(parser: argparse.ArgumentParser) -> None:
    """
    Add ``--keep-extra`` to a command that reads rows and writes them back.

    Args:
        parser: The sub-command's parser.
    """
    parser.add_argument(
        "--keep-extra",
        action="store_true",
        help="keep the columns that are not fields of the record type, after the record's "
        "columns, cells as read (default: dropped, with a warning naming them)",
    )


def add_output_arguments(
    parser: argparse.ArgumentParser,
    *,
    rejects: bool = True,
    rejects_help: str = "write rejected rows, with their issues and values, to FILE "
    "(.csv or .jsonl)",
) -> argparse._ArgumentGroup:
    """
    Add the output arguments every writing command shares.

    ``-o/--output`` (required; format from the suffix), ``--output-delimiter``,
    ``--output-encoding`` and, when ``rejects``, ``--rejects FILE`` and ``--max-rejects``.

    Args:
        parser: The sub-command's parser.
        rejects: Whether to add ``--rejects``.
        rejects_help: The help of ``--rejects``: what the rejects file holds.

    Returns:
        The "output" argument group, for a command's own output options.
    """
    group = parser.add_argument_group("output")
    group.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUTPUT",
        help="output file: .csv, .tsv, .jsonl, .ndjson or .parquet (written atomically), "
        "or - for standard output (then give --output-format)",
    )
    group.add_argument(
        "--output-format",
        choices=("csv", "jsonl", "parquet"),
        default=None,
        help="output format; needed with '-o -' (standard output) "
        "(default: from the output's suffix)",
    )
    group.add_argument(
        "--output-delimiter",
        type=_delimiter,
        default=None,
        metavar="CHAR",
        help="CSV output delimiter (default: ',' or tab for .tsv)",
    )
    group.add_argument(
        "--output-encoding",
        choices=("utf-8", "utf-8-sig"),
        default="utf-8",
        help="CSV output encoding; utf-8-sig adds the mark spreadsheets look for (default: utf-8)",
    )
    if rejects:
        group.add_argument(
            "--rejects",
            type=Path,
            metavar="FILE",
            help=rejects_help,
        )
        group.add_argument(
            "--max-rejects",
            type=MaxRejects.parse,
            default=None,
            metavar="N|P%",
            help="exit 0 instead of 3 when at most N rows, or P%% of the rows read, were "
            "rejected, such as 10 or 0.5%% (default: any rejected row exits 3)",
        )
    return group


def add_key_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add ``--keys FILE``: where a command that pseudonymises or tokenises finds its keys.

    Keys never come from a command-line value (it would sit in the shell's
    history and the process list): ``--keys`` names a key file, or
    `KEYS_VARIABLE` holds the key file's JSON document. Read them with `keys_from`.

    Args:
        parser: The sub-command's parser.
    """
    group = parser.add_argument_group("keys")
    group.add_argument(
        "--keys",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"the key file (made with 'custdata keys new'); without it, the {KEYS_VARIABLE} "
        "environment variable holding the key file's JSON. Never a key on the command line",
    )


def keys_from(
    args: argparse.Namespace, *, required: bool, reason: str = "this command needs keys"
) -> KeyRing | None:
    """
    Return the key ring of ``--keys FILE``, or else of the `KEYS_VARIABLE` environment variable.

    ``--keys`` wins over the variable; an empty variable counts as unset.

    Args:
        args: Parsed arguments from `add_key_arguments`.
        required: Whether the command needs keys; if not, ``None`` is returned
            when neither is given.
        reason: Why keys are needed, at the start of the error when none are given.

    Returns:
        The key ring, or ``None`` when none is given and none is required.

    Raises:
        KeyRingError: If the key file or the variable cannot be read or is
            malformed, naming the file or the variable (never a key), or if keys
            are required and neither is given (exit code 2).
    """
    from custdata.keys import KeyRing

    path: Path | None = getattr(args, "keys", None)
    if path is not None:
        try:
            return KeyRing.load(path)
        except KeyRingError as exception:
            message = str(exception)
            if str(path) not in message:  # a malformed file: say which
                message = f"key file {str(path)!r}: {message}"
            raise KeyRingError(message) from None
    if os.environ.get(KEYS_VARIABLE):
        try:
            return KeyRing.from_env(KEYS_VARIABLE)
        except KeyRingError as exception:
            msg = f"the environment variable {KEYS_VARIABLE}: {exception}"
            raise KeyRingError(msg) from None
    if not required:
        return None
    msg = (
        f"{reason}: give --keys FILE (made with 'custdata keys new') or set the environment "
        f"variable {KEYS_VARIABLE} to the key file's JSON; custdata has no default key"
    )
    raise KeyRingError(msg)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        msg = "expected a date as YYYY-MM-DD"
        raise argparse.ArgumentTypeError(msg) from None


def _datetime(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        msg = "expected an ISO 8601 date and time, such as 2026-01-31T18:00:00+01:00"
        raise argparse.ArgumentTypeError(msg) from None
    # A naive date-time is read in the local time zone, as the clock's default is.
    return moment if moment.tzinfo is not None else moment.astimezone()


def add_date_arguments(
    parser: argparse.ArgumentParser,
    *,
    today: bool = True,
    at: bool = False,
    today_help: str = "the day the command works as of",
    at_help: str = "the moment the command works as of",
) -> None:
    """
    Add ``--today YYYY-MM-DD`` and/or ``--at ISO-DATETIME``: the dates a command works as of.

    The library never reads the clock; the command line may, and by default
    takes the command's start (`started_at`). Read them with `today_from` and `at_from`.

    Args:
        parser: The sub-command's parser.
        today: Whether to add ``--today``.
        at: Whether to add ``--at``.
        today_help: What the day is used for, at the start of ``--today``'s help.
        at_help: What the moment is used for, at the start of ``--at``'s help.
    """
    group = parser.add_argument_group("dates")
    if today:
        group.add_argument(
            "--today",
            type=_date,
            default=None,
            metavar="YYYY-MM-DD",
            help=f"{today_help} (default: the date the command starts, in the local time zone)",
        )
    if at:
        group.add_argument(
            "--at",
            type=_datetime,
            default=None,
            metavar="ISO-DATETIME",
            help=f"{at_help}, such as 2026-01-31T18:00:00+01:00; one without an offset is "
            "read in the local time zone (default: the moment the command starts)",
        )


def today_from(args: argparse.Namespace) -> dt.date:
    """
    Return ``--today``, or the date the command started in the local time zone.

    Args:
        args: Parsed arguments from `add_date_arguments`.

    Returns:
        The day.
    """
    today: dt.date | None = getattr(args, "today", None)
    return today if today is not None else started_at().date()


def at_from(args: argparse.Namespace) -> dt.datetime:
    """
    Return ``--at``, or the moment the command started; aware in both cases.

    Args:
        args: Parsed arguments from `add_date_arguments`.

    Returns:
        An aware datetime.
    """
    at: dt.datetime | None = getattr(args, "at", None)
    return at if at is not None else started_at()


def mapping_from(args: argparse.Namespace) -> dict[str, str]:
    """
    Return the ``--map`` arguments as a dict.

    Args:
        args: Parsed arguments from `add_input_arguments`.

    Returns:
        Source column -> dotted field.

    Raises:
        UsageError: If a source column is mapped twice.
    """
    mapping: dict[str, str] = {}
    for source, target in getattr(args, "map", None) or []:
        if source in mapping and mapping[source] != target:
            raise UsageError(f"--map gives the column {source[:64]!r} two fields")
        mapping[source] = target
    return mapping


def record_type_from(args: argparse.Namespace) -> type[Record]:
    """
    Return the record class named by ``--type``.

    Args:
        args: Parsed arguments from `add_input_arguments`.

    Returns:
        The record class, such as `custdata.Contact`.
    """
    return RECORD_TYPES[getattr(args, "type", "contact")]


def open_input(args: argparse.Namespace, record_type: type | None) -> Reader:
    """
    Open the input named by the arguments of `add_input_arguments`.

    Args:
        args: The parsed arguments.
        record_type: The record class rows are meant for (checks the header).

    Returns:
        An open `custdata.io.Reader`.

    Raises:
        UsageError: For bad arguments.
        InputError: If the input cannot be read.
    """
    from custdata.io import open_reader

    return open_reader(
        args.input,
        format=args.format,
        delimiter=args.delimiter,
        encoding=args.encoding,
        mapping=mapping_from(args),
        record_type=record_type,
        batch_size=args.batch_size,
        keep_extra=getattr(args, "keep_extra", False),
    )


def reader_batches(reader: Reader, desc: str) -> Iterator[list[Row]]:
    """
    Iterate over an input's batches, with a progress bar on a terminal.

    Args:
        reader: The open input.
        desc: The bar's label: the command's name.

    Returns:
        The batches, as the reader gives them.
    """
    from custdata.io import progress

    return progress(reader, total=reader.total_rows, desc=desc, weight=len)


def reads_parquet_directly(args: argparse.Namespace) -> bool:
    """
    Whether INPUT is a Parquet file whose Arrow batches can be read as they are.

    Standard input and ``--map`` go through the row reader, as CSV and JSONL do.

    Args:
        args: Parsed arguments from `add_input_arguments`.

    Returns:
        True for a Parquet file named on the command line without ``--map``.
    """
    from custdata.io import infer_format

    if str(args.input) == "-" or getattr(args, "map", None):
        return False
    return infer_format(args.input, args.format) == "parquet"


def parquet_batches(parquet: Any, batch_size: int, desc: str) -> Iterator[Any]:
    """
    Iterate over the Arrow record batches of a Parquet file, with a progress bar on a terminal.

    Args:
        parquet: The file, as `custdata.io._parquet.open_parquet` opened it.
        batch_size: At most this many rows a batch (``--batch-size``).
        desc: The bar's label: the command's name.

    Returns:
        The record batches.
    """
    from custdata.io import progress
    from custdata.io._parquet import record_batches

    return progress(
        record_batches(parquet, batch_size),
        total=parquet.metadata.num_rows,
        desc=desc,
        weight=lambda batch: batch.num_rows,
    )


def _same_file(path: object, other: object) -> bool:
    """Whether two path options name one file; ``-`` (standard input or output) is none."""
    if path is None or other is None or str(path) == "-" or str(other) == "-":
        return False
    return Path(str(path)).resolve() == Path(str(other)).resolve()


def _check_paths(args: argparse.Namespace) -> None:
    paths = {
        "INPUT": getattr(args, "input", None),
        "--rejects": getattr(args, "rejects", None),
        "--audit": getattr(args, "audit", None),
    }
    for name, path in paths.items():
        if _same_file(path, args.output):
            raise UsageError(f"the output must not be the same file as {name}")


def open_output(
    args: argparse.Namespace,
    record_type: type | None,
    *,
    columns: Sequence[str] | None = None,
    column_types: dict[str, str] | None = None,
) -> Writer:
    """
    Open the output named by the arguments of `add_output_arguments`.

    Args:
        args: The parsed arguments.
        record_type: The record class written, if records are written.
        columns: The columns, when dicts are written without a record type,
            or the record's columns followed by extra ones.
        column_types: Parquet types of columns the record type does not give.

    Returns:
        An open `custdata.io.Writer`, to use as a context manager.

    Raises:
        UsageError: For bad arguments, or an output that is also an input.
    """
    from custdata.io import open_writer

    _check_paths(args)
    return open_writer(
        args.output,
        format=getattr(args, "output_format", None),  # required for -o - (standard output)
        record_type=record_type,
        columns=columns,
        delimiter=args.output_delimiter,
        encoding=args.output_encoding,
        row_group_size=getattr(args, "batch_size", DEFAULT_BATCH_SIZE),
        column_types=column_types,
    )


def open_records_output(args: argparse.Namespace, record_type: type) -> Writer:
    """
    Open ``-o/--output`` for records, for a command without the options of `add_output_arguments`.

    The format is ``--output-format``, or else the output's suffix; standard
    output (``-o -``) is CSV unless ``--output-format`` says otherwise.

    Args:
        args: The parsed arguments (``output`` and ``output_format``).
        record_type: The record class written.

    Returns:
        An open `custdata.io.Writer`, to use as a context manager.
    """
    from custdata.io import open_writer

    output_format: str | None = getattr(args, "output_format", None)
    if output_format is None and str(args.output) == "-":
        output_format = "csv"
    return open_writer(args.output, format=output_format, record_type=record_type)


def output_name(path: Path) -> str:
    """
    Name an output in a summary: its path, or ``standard output`` for ``-``.

    Args:
        path: The output, as given.

    Returns:
        The name.
    """
    return "standard output" if str(path) == "-" else str(path)


def open_outputs(
    stack: contextlib.ExitStack, args: argparse.Namespace, record_type: type, reader: Reader
) -> tuple[Writer, RejectsWriter | None]:
    """
    Open the output and the ``--rejects`` file, each closed (committed or removed) by ``stack``.

    Signals are held back while they open: an interruption lands once each
    temporary file is recorded for removal, never between its creation and that.
    With ``--keep-extra``, the input's extra columns known so far
    (`custdata.io.Reader.extra_columns`) follow the record's columns in both.

    Args:
        stack: The command's exit stack.
        args: The parsed arguments.
        record_type: The record class written.
        reader: The open input (its columns are the rejects' columns).

    Returns:
        The writer, and the rejects writer or ``None`` without ``--rejects``.
    """
    from custdata.model import flat_columns

    extra = reader.extra_columns
    columns = [*flat_columns(record_type), *extra] if extra else None
    types = dict(reader.extra_types) if extra else None
    with signals_deferred():
        writer = stack.enter_context(
            open_output(args, record_type, columns=columns, column_types=types)
        )
        rejects = open_rejects(args, rejects_columns(reader, record_type))
        if rejects is not None:
            stack.enter_context(rejects)
    return writer, rejects


@attrs.frozen(kw_only=True)
class RecordFiles:
    """
    The files of a command that reads records and writes them: see `open_record_files`.

    Attributes:
        reader: The open input.
        batches: Its batches of rows, not started (with a progress bar on a terminal).
        allowed: The extra columns the outputs hold, or ``None`` for any (see `admit_extra`).
        writer: The open output.
        rejects: The open ``--rejects`` file, or ``None`` without it.
    """

    reader: Reader
    batches: Iterator[list[Row]]
    allowed: frozenset[str] | None
    writer: Writer
    rejects: RejectsWriter | None


def open_record_files(
    stack: contextlib.ExitStack, args: argparse.Namespace, record_type: type, *, desc: str
) -> RecordFiles:
    """
    Open the input, then the output and ``--rejects``, each closed by ``stack``.

    The input opens first, so that a bad header fails before any output exists;
    the columns it drops are warned about at once (a header's) or by
    `close_record_files` (JSONL keys). A JSONL input's extra columns are learnt
    from its first batch before the outputs open (`peek_extra_columns`).

    Args:
        stack: The command's exit stack.
        args: Parsed arguments from `add_input_arguments` and `add_output_arguments`.
        record_type: The record class rows are read as and written as.
        desc: The progress bar's label: the command's name.

    Returns:
        The open files and the input's batches.
    """
    reader = stack.enter_context(open_input(args, record_type))
    warn_dropped_columns(reader, record_type, final=False)
    batches, allowed = peek_extra_columns(args, reader, reader_batches(reader, desc))
    writer, rejects = open_outputs(stack, args, record_type, reader)
    return RecordFiles(
        reader=reader, batches=batches, allowed=allowed, writer=writer, rejects=rejects
    )


def close_record_files(files: RecordFiles, record_type: type, counts: Counts) -> None:
    """
    End a run of `open_record_files` once every batch is written: warn, then check the counts.

    Args:
        files: The command's files.
        record_type: The record class rows were read as.
        counts: The run's counts.

    Raises:
        RuntimeError: If the counts do not reconcile (a bug; the outputs are then dropped).
    """
    warn_dropped_columns(files.reader, record_type, final=True)
    counts.check()


def rejects_columns(reader: Reader, record_type: type) -> list[str]:
    """
    Return the value columns of a rejects file: the input's, then its extra ones.

    Args:
        reader: The open input.
        record_type: The record class rows are read as (its columns, for an input without a header).

    Returns:
        The columns, as the input names them.
    """
    from custdata.model import flat_columns

    return [*(reader.columns or flat_columns(record_type)), *reader.extra_columns]


def open_rejects(args: argparse.Namespace, columns: Sequence[str]) -> RejectsWriter | None:
    """
    Open the ``--rejects`` file, if one was asked for.

    Args:
        args: The parsed arguments.
        columns: The value columns of the rejects (the input's columns).

    Returns:
        An open `custdata.io.RejectsWriter`, or ``None`` without ``--rejects``.

    Raises:
        UsageError: For a rejects file that is an input or not CSV or JSONL.
    """
    from custdata.io import open_rejects_writer

    if args.rejects is None:
        return None
    if _same_file(args.rejects, getattr(args, "input", None)):
        msg = "--rejects must not be the same file as INPUT"
        raise UsageError(msg)
    return open_rejects_writer(args.rejects, columns=columns)


def open_row_outputs(
    stack: contextlib.ExitStack,
    args: argparse.Namespace,
    *,
    columns: Sequence[str],
    column_types: dict[str, str] | None,
    rejects_columns: Sequence[str],
    record_type: type | None = None,
) -> tuple[Writer, RejectsWriter | None]:
    """
    Open an output of dict rows with given columns, and the ``--rejects`` file.

    The variant of `open_outputs` for commands that write rows rather than
    records (``custdata apply`` writes protected rows). Each file is closed
    (committed or removed) by ``stack``, and signals are held back while they
    open, so that an interruption never leaves a temporary file behind.

    Args:
        stack: The command's exit stack.
        args: The parsed arguments.
        columns: The output's dotted columns, in order.
        column_types: Parquet type per column (`custdata.io.parquet_column_types`).
        rejects_columns: The value columns of a CSV rejects file (none for rejects
            without values).
        record_type: The record class the rows come from, for the Parquet types
            that need it (a purchase's lines as ``list<struct>``).

    Returns:
        The writer, and the rejects writer or ``None`` without ``--rejects``.
    """
    with signals_deferred():
        writer = stack.enter_context(
            open_output(args, record_type, columns=columns, column_types=column_types)
        )
        rejects = open_rejects(args, rejects_columns)
        if rejects is not None:
            stack.enter_context(rejects)
    return writer, rejects


def add_audit_argument(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, what: str
) -> None:
    """
    Add ``--audit FILE``: a JSON account of the run, written atomically with the outputs.

    Args:
        parser: The sub-command's parser, or its "output" group (`add_output_arguments`).
        what: What the audit records, for the help.
    """
    parser.add_argument(
        "--audit",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"write the run's audit to FILE as JSON: {what}; it holds no customer value "
        "and no key (written atomically, with the output)",
    )


def open_audit(stack: contextlib.ExitStack, args: argparse.Namespace) -> AtomicFile | None:
    """
    Open the ``--audit`` file under a temporary name; it is renamed when ``stack`` closes.

    Open it before the outputs: the stack commits it after them, and an output
    that fails to commit removes it too. Write the audit into its ``file``
    before the stack closes.

    Args:
        stack: The command's exit stack.
        args: The parsed arguments.

    Returns:
        The open `custdata.io.AtomicFile`, or ``None`` without ``--audit``.

    Raises:
        UsageError: For ``-``, or an audit file that is also the input or the rejects file.
    """
    path: Path | None = getattr(args, "audit", None)
    if path is None:
        return None
    if str(path) == "-":
        msg = "--audit needs a file name (standard output carries the output)"
        raise UsageError(msg)
    for name in ("input", "rejects"):
        if _same_file(getattr(args, name, None), path):
            flag = "INPUT" if name == "input" else "--rejects"
            raise UsageError(f"--audit must not be the same file as {flag}")
    with signals_deferred():
        return stack.enter_context(_committed(path))


@contextlib.contextmanager
def _committed(path: Path) -> Iterator[AtomicFile]:
    """An `AtomicFile` renamed on a normal exit, removed on an exception."""
    from custdata.io import AtomicFile

    file = AtomicFile(path)
    try:
        yield file
    except BaseException:
        file.abort()
        raise
    file.commit()


def policy_from(text: str) -> Policy:
    """
    Load the policy ``--policy`` names: a TOML file, or the name of a built-in policy.

    A bare name without a suffix or a directory (``partner-share``) is a built-in
    policy; anything else is a file (``./partner-share`` for a file of that name).

    Args:
        text: The option's value.

    Returns:
        The policy, checked.

    Raises:
        PolicyError: If the file cannot be read or has a problem (naming the
            file and the field), or no built-in policy has that name.
    """
    from custdata.policy import Policy

    path = Path(text)
    names = Policy.builtin_names()
    if not path.suffix and len(path.parts) == 1:
        if text in names:
            return Policy.builtin(text)
        if not path.is_file():
            msg = (
                f"no built-in policy is named {text[:64]!r} (built-in: {', '.join(names)}), "
                "and no file has that name"
            )
            raise PolicyError(msg)
    return Policy.load(path)


def warn_dropped_columns(reader: Reader, record_type: type, *, final: bool) -> None:
    """
    Warn once about the input columns that are not fields of the record type, and dropped.

    The columns of a header (CSV, Parquet) are known when the input opens: the
    warning is given then. JSONL keys are only known once read: the warning is
    given at the end (``final``), for every key met. Columns are named as
    `custdata.io.Reader.ignored_columns` names them (by position when the first
    line of a CSV file looks like data).

    Args:
        reader: The open reader.
        record_type: The record class rows are read as.
        final: Whether the whole input has been read.
    """
    if final == (reader.columns is not None):
        return  # a header's columns are warned about at the start, JSONL keys at the end
    dropped = reader.ignored_columns
    if not dropped:
        return
    warn_columns(
        dropped, record_type, "dropped", hint=("--keep-extra keeps it", "--keep-extra keeps them")
    )


def warn_columns(
    names: Sequence[str],
    record_type: type,
    fate: str,
    *,
    hint: tuple[str, str] | None = None,
) -> None:
    """
    Warn that input columns that are not fields of the record type are left out.

    Args:
        names: The columns (at least one), as the reader names them.
        record_type: The record class rows are read as.
        fate: What happens to them, such as ``"dropped"``.
        hint: What to do about it, for one column and for several.
    """
    count = len(names)
    shown = ", ".join(names[:10]) + (f" and {count - 10} more" if count > 10 else "")
    what = record_type.__name__
    if count == 1:
        text = f"1 column that is not a field of {what} is {fate} ({shown})"
    else:
        text = f"{count} columns that are not fields of {what} are {fate} ({shown})"
    if hint is not None:
        text += f": {hint[count != 1]}"
    warn(text)


def peek_extra_columns(
    args: argparse.Namespace, reader: Reader, batches: Iterator[list[Row]]
) -> tuple[Iterator[list[Row]], frozenset[str] | None]:
    """
    Learn a JSONL input's extra columns from its first batch, for outputs that need columns.

    CSV and Parquet outputs, and CSV rejects files, write their header first.
    A CSV or Parquet input gives its extra columns in its header; a JSONL
    input's are the keys met in its first batch (``--batch-size`` rows), read
    here before the outputs open.

    Args:
        args: The parsed arguments (``--keep-extra``, the output and rejects paths).
        reader: The open input.
        batches: The input's batches, not started.

    Returns:
        The batches (the first one included again), and the extra columns the
        outputs can hold, or ``None`` when they can hold any (see `admit_extra`).
    """
    from custdata.io import infer_format

    if not getattr(args, "keep_extra", False) or reader.columns is not None:
        return batches, None
    needs = infer_format(args.output, getattr(args, "output_format", None)) != "jsonl"
    rejects = getattr(args, "rejects", None)
    if not needs and (rejects is None or infer_format(rejects) != "csv"):
        return batches, None
    first = next(batches, None)
    allowed = frozenset(reader.extra_columns)
    if first is None:
        return batches, allowed
    return itertools.chain([first], batches), allowed


def admit_extra(batch: list[Row], allowed: frozenset[str] | None) -> list[Row]:
    """
    Reject the rows with an extra column the outputs were not opened with (JSONL input).

    Such a row gets the issue ``unknown_extra_column`` on that column; it is
    rejected, with its values and extra columns kept for the rejects file
    (whose CSV form has no column for it).

    Args:
        batch: A batch of rows.
        allowed: The extra columns of the outputs, or ``None`` for any.

    Returns:
        The batch, with such rows given their issue.
    """
    if allowed is None:
        return batch
    admitted: list[Row] = []
    for row in batch:
        unknown = [name for name in row.extra if name not in allowed]
        if unknown:
            issues = tuple(
                Issue(
                    path=name[:64],
                    code="unknown_extra_column",
                    message="not a field, and not among the extra columns of the output "
                    "(those of the first batch of rows)",
                )
                for name in unknown
            )
            admitted.append(attrs.evolve(row, issues=row.issues + issues))
        else:
            admitted.append(row)
    return admitted


@attrs.define
class Counts:
    """
    Row counts of a batch command; they must reconcile: read = written + rejected.

    Attributes:
        read: Rows read.
        written: Rows written to the output.
        rejected: Rows rejected.
        preview: The first rejects (for the summary when no rejects file is written).
    """

    read: int = 0
    written: int = 0
    rejected: int = 0
    preview: list[Reject] = attrs.field(factory=list)

    def add(self, *, read: int, written: int, rejects: Iterable[Reject]) -> None:
        """
        Count one batch.

        Args:
            read: Rows in the batch.
            written: Rows written from it.
            rejects: Its rejects.
        """
        rejects = list(rejects)
        self.read += read
        self.written += written
        self.rejected += len(rejects)
        room = _PREVIEW_REJECTS - len(self.preview)
        if room > 0:
            self.preview.extend(rejects[:room])

    def check(self) -> None:
        """
        Make sure the counts reconcile.

        Raises:
            RuntimeError: If they do not (a bug; the outputs are then dropped).
        """
        if self.read != self.written + self.rejected:
            msg = "row counts do not reconcile"
            raise RuntimeError(msg)


def finish(
    command: str,
    counts: Counts,
    *,
    rejects_path: Path | None,
    max_rejects: MaxRejects | None = None,
) -> int:
    """
    Print the summary line of a batch command on stderr and return its exit code.

    Without a rejects file, rejected rows are announced with their first
    issues (never their values) and how to keep them.

    Args:
        command: The sub-command's name.
        counts: The reconciled counts.
        rejects_path: Where rejects were written, if anywhere.
        max_rejects: The tolerated rejects (``--max-rejects``): within it, exit 0.

    Returns:
        0, or 3 if rows were rejected beyond ``max_rejects``.
    """
    line = f"custdata {command}: {counts.read} rows read, {counts.written} written"
    if not counts.rejected:
        sys.stderr.write(line + ", 0 rejected\n")
        return EXIT_OK
    tolerated = max_rejects is not None and max_rejects.tolerates(counts.rejected, counts.read)
    within = f" (within --max-rejects {max_rejects})" if tolerated else ""
    code = EXIT_OK if tolerated else EXIT_REJECTS
    if rejects_path is not None:
        sys.stderr.write(f"{line}, {counts.rejected} rejected{within} (see {rejects_path})\n")
        return code
    sys.stderr.write(
        f"{line}, {counts.rejected} rejected{within} and not written anywhere: "
        "run again with --rejects FILE to keep them\n"
    )
    write_rejects_preview(counts.preview)
    if counts.rejected > len(counts.preview):
        sys.stderr.write(f"  and {counts.rejected - len(counts.preview)} more\n")
    return code


def format_help(text: str) -> str:
    """
    Turn a docstring into help text: no reStructuredText or Markdown code marks.

    Args:
        text: A module docstring or help line.

    Returns:
        The text with ````code```` shown as 'code' and `name` as name.
    """
    text = re.sub(r"``(.+?)``", r"'\1'", text)
    return re.sub(r"`([^`]+)`", r"\1", text)


# --- several named inputs ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class NamedInput:
    """
    One input file of a command that reads several, named by its option (``--consents FILE``).

    Attributes:
        name: The option's name without dashes, such as ``"consents"``; its own
            CSV options are ``--consents-format``, ``--consents-delimiter``,
            ``--consents-encoding`` and ``--consents-map``.
        record_type: The record class of its rows (checks the header).
        required: Whether the option must be given.
        help: What the file holds, for the help.
        fields: The top-level fields read into records (the others are not
            parsed, so a bad cell there rejects no row); ``None`` for all.
    """

    name: str
    record_type: type[Record]
    required: bool = True
    help: str = ""
    fields: frozenset[str] | None = None

    @property
    def dest(self) -> str:
        """The attribute of the parsed arguments holding the path."""
        return self.name.replace("-", "_")

    @property
    def flag(self) -> str:
        """The option, such as ``--consents``."""
        return f"--{self.name}"


def add_named_inputs(parser: argparse.ArgumentParser, inputs: Sequence[NamedInput]) -> None:
    """
    Add several named input files, each with its own CSV options, and the options they share.

    Each input ``NAME`` gets ``--NAME FILE`` and its own ``--NAME-format``,
    ``--NAME-delimiter``, ``--NAME-encoding`` and ``--NAME-map SOURCE=FIELD``
    (repeatable). The shared ``--delimiter`` and ``--encoding`` are the default
    of every input that does not give its own; ``--timezone`` and
    ``--batch-size`` apply to all. A file's format comes from its suffix unless
    ``--NAME-format`` says otherwise. Open them with `open_named_input` or read
    them whole with `read_named_records`.

    Args:
        parser: The sub-command's parser.
        inputs: The inputs, in the order their options are listed.
    """
    group = parser.add_argument_group("inputs")
    for named in inputs:
        what = f"{named.help}: " if named.help else ""
        group.add_argument(
            named.flag,
            dest=named.dest,
            type=Path,
            required=named.required,
            metavar="FILE",
            help=f"{what}CSV, JSONL or Parquet file, or - for standard input "
            f"(then give {named.flag}-format)",
        )
    own = parser.add_argument_group(
        "options of one input", "each input's own; by default the shared options below"
    )
    for named in inputs:
        own.add_argument(
            f"{named.flag}-format",
            dest=f"{named.dest}_format",
            choices=("csv", "jsonl", "parquet"),
            default=None,
            help=f"format of {named.flag} (default: from the suffix)",
        )
        own.add_argument(
            f"{named.flag}-delimiter",
            dest=f"{named.dest}_delimiter",
            type=_delimiter,
            default=None,
            metavar="CHAR",
            help=f"CSV delimiter of {named.flag} (default: --delimiter)",
        )
        own.add_argument(
            f"{named.flag}-encoding",
            dest=f"{named.dest}_encoding",
            type=_encoding,
            default=None,
            metavar="ENCODING",
            help=f"text encoding of {named.flag} (default: --encoding)",
        )
        own.add_argument(
            f"{named.flag}-map",
            dest=f"{named.dest}_map",
            type=_map_item,
            action="append",
            default=[],
            metavar="SOURCE=FIELD",
            help=f"read column SOURCE of {named.flag} as the dotted FIELD (repeatable)",
        )
    shared = parser.add_argument_group("options of every input")
    shared.add_argument(
        "--delimiter",
        type=_delimiter,
        default=None,
        help="CSV delimiter of every input without its own, such as ';' or '\\t' "
        "(default: sniffed among , ; tab |)",
    )
    shared.add_argument(
        "--encoding",
        type=_encoding,
        default="utf-8",
        help=f"text encoding of every input without its own: {', '.join(ENCODINGS)} "
        "(default: utf-8)",
    )
    shared.add_argument(
        "--timezone",
        type=_timezone,
        default=None,
        metavar="ZONE",
        help="time zone of date-times written without an offset, in every input: an IANA "
        "name such as Europe/Paris (default: none, and such date-times are rejected)",
    )
    shared.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"rows per batch (default: {DEFAULT_BATCH_SIZE})",
    )


def check_named_paths(args: argparse.Namespace, inputs: Sequence[NamedInput]) -> None:
    """
    Refuse standard input for two inputs, and an output that is one of the inputs.

    Args:
        args: Parsed arguments from `add_named_inputs` (and ``-o`` if any).
        inputs: The command's inputs.

    Raises:
        UsageError: Naming the options in conflict.
    """
    given = [
        (named.flag, path)
        for named in inputs
        if (path := getattr(args, named.dest, None)) is not None
    ]
    stdin = [flag for flag, path in given if str(path) == "-"]
    if len(stdin) > 1:
        raise UsageError(f"only one input can be standard input ({' and '.join(stdin)} are -)")
    output = getattr(args, "output", None)
    for flag, path in given:
        if _same_file(path, output):
            raise UsageError(f"the output must not be the same file as {flag}")


def open_named_input(args: argparse.Namespace, named: NamedInput) -> Reader | None:
    """
    Open one named input with its own options, or the shared ones it does not give.

    Args:
        args: Parsed arguments from `add_named_inputs`.
        named: The input.

    Returns:
        An open `custdata.io.Reader`, or ``None`` when the option was not given.

    Raises:
        UsageError: For bad arguments (a mapping that names a column twice...).
        InputError: If the file cannot be read (missing required columns...).
    """
    from custdata.io import open_reader

    path = getattr(args, named.dest, None)
    if path is None:
        return None
    own = getattr(args, f"{named.dest}_map", None) or []
    delimiter = getattr(args, f"{named.dest}_delimiter", None)
    encoding = getattr(args, f"{named.dest}_encoding", None)
    return open_reader(
        path,
        format=getattr(args, f"{named.dest}_format", None),
        delimiter=delimiter if delimiter is not None else args.delimiter,
        encoding=encoding if encoding is not None else args.encoding,
        mapping=mapping_from(argparse.Namespace(map=own)),
        record_type=named.record_type,
        batch_size=args.batch_size,
    )


@attrs.frozen(kw_only=True)
class NamedRecords:
    """
    The records of one named input read whole, and its rows that did not fit.

    Attributes:
        records: The records, in file order.
        rejects: The rows that could not become records, with their issues.
        rows: How many rows were read: ``len(records) + len(rejects)``.
    """

    records: list[Record]
    rejects: list[Reject]
    rows: int


def read_named_records(args: argparse.Namespace, named: NamedInput) -> NamedRecords | None:
    """
    Read a whole named input into records, for a command that needs it all in memory.

    Only ``named.fields`` are read (when given): a bad cell in another column
    rejects no row.

    Args:
        args: Parsed arguments from `add_named_inputs`.
        named: The input.

    Returns:
        The records and rejects, or ``None`` when the option was not given.

    Raises:
        UsageError: For bad arguments.
        InputError: If the file cannot be read.
    """
    from custdata.io import parse_batch

    reader = open_named_input(args, named)
    if reader is None:
        return None
    records: list[Record] = []
    rejects: list[Reject] = []
    rows = 0
    fields = named.fields
    with reader:
        for batch in reader:
            rows += len(batch)
            if fields is not None:
                batch = [  # noqa: PLW2901  # the same rows, narrowed to the fields read
                    attrs.evolve(
                        row,
                        values={
                            column: value
                            for column, value in row.values.items()
                            if column.split(".", 1)[0] in fields
                        },
                    )
                    for row in batch
                ]
            parsed = parse_batch(batch, named.record_type, tz=args.timezone)
            records.extend(parsed.records)
            rejects.extend(parsed.rejects)
    return NamedRecords(records=records, rejects=rejects, rows=rows)


class HasRejects(Protocol):
    """What was read of one input, as far as its rejects go (`NamedRecords` and the like)."""

    @property
    def rejects(self) -> Sequence[Reject]:
        """The rows that could not be read."""
        ...


def records_of(read: NamedRecords | None, record_type: type[_R]) -> list[_R]:
    """
    Return the records read of one type (none when the input was not given).

    Args:
        read: What `read_named_records` returned.
        record_type: The record class.

    Returns:
        The records, in file order.
    """
    if read is None:
        return []
    return [record for record in read.records if isinstance(record, record_type)]


def _reject_lines(rejects: Sequence[Reject]) -> list[str]:
    """The first rejects as ``row N: issues``: their issues, never their values."""
    return [f"row {reject.row}: {reject.issues_text}" for reject in rejects[:_PREVIEW_REJECTS]]


def write_rejects_preview(rejects: Sequence[Reject]) -> None:
    """
    Print the first rejects on stderr, one indented line each: row number and issues.

    Args:
        rejects: The rejected rows; only the first few are shown.
    """
    for line in _reject_lines(rejects):
        sys.stderr.write(f"  {line}\n")


def check_consents(consents: HasRejects | None) -> None:
    """
    Refuse consent rows that cannot be read: any might be a withdrawal.

    Args:
        consents: The consents read, if any.

    Raises:
        InputError: If a row cannot be read, showing the first ones (exit code 4).
    """
    if consents is None or not consents.rejects:
        return
    shown = "; ".join(_reject_lines(consents.rejects))
    more = len(consents.rejects) - _PREVIEW_REJECTS
    msg = (
        f"{len(consents.rejects)} consent rows cannot be read, and any of them might be a "
        f"withdrawal: nothing written ({shown}{f'; and {more} more' if more > 0 else ''})"
    )
    raise InputError(msg)


def warn_rejects(reads: Mapping[NamedInput, HasRejects | None], fate: str) -> int:
    """
    Warn about the rows of named inputs that could not be read, and return the exit code they give.

    Args:
        reads: What was read, by input, in the order of the warnings.
        fate: What became of them, such as ``"left out of the plan"``.

    Returns:
        0, or 3 when a row was rejected.
    """
    code = EXIT_OK
    for named, read in reads.items():
        if read is None or not read.rejects:
            continue
        code = EXIT_REJECTS
        warn(f"{len(read.rejects)} rows of {named.flag} cannot be read and are {fate}")
        write_rejects_preview(read.rejects)
    return code

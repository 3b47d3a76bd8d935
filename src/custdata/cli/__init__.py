"""
The ``custdata`` command.

Each sub-command is a module of this package whose name does not start with
``_``; it is found with `pkgutil.iter_modules`, so adding ``cli/<name>.py``
adds ``custdata <name>``. A sub-command module exposes:

- ``HELP: str``, one line for ``custdata --help``;
- ``add_arguments(parser: argparse.ArgumentParser) -> None``;
- ``run(args: argparse.Namespace) -> int``, returning an exit code.

Command modules import heavy things inside ``run`` only, so ``custdata --help``
stays fast. Shared arguments, exit codes and summaries are in `custdata.cli._common`.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib
import logging
import os
import pkgutil
import sys
import traceback
from collections.abc import Iterator, Sequence
from types import ModuleType

from custdata._version import __version__
from custdata.cli._common import (
    DEBUG_VARIABLE,
    EXIT_OK,
    EXIT_USAGE,
    error,
    format_help,
    run_command,
    set_command,
    warn,
)

__all__ = ["build_parser", "main"]

_DESCRIPTION = """\
custdata: customer data governance under the GDPR (RGPD).
Read customer files (CSV, JSONL, Parquet), check them against the record types,
protect them under a policy (pseudonyms, masks, generalisations, tokens) with an
audit, and write them back; every output is written atomically.
"""

_EPILOG = """\
exit codes:
  0  done
  1  unexpected error (a bug: report it; CUSTDATA_DEBUG=1 shows the traceback)
  2  usage, policy or key error; nothing written
  3  done, but some rows were rejected (see the rejects file)
  4  input unreadable; nothing written
  5  a privacy requirement could not be met; nothing released

examples:
  custdata demo
  custdata validate contacts.csv -o normalised.csv --rejects rejects.csv
  custdata keys new -o keys.json
  custdata apply --policy partner-share --keys keys.json contacts.csv -o partner.csv

Run 'custdata COMMAND --help' for the options and an example of each command.
"""


def _command_modules() -> list[tuple[str, ModuleType]]:
    modules: list[tuple[str, ModuleType]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{__name__}.{info.name}")
        except Exception as exception:  # noqa: BLE001  # one broken command must not break all
            warn(f"command {info.name!r} is unavailable ({type(exception).__name__})")
            if os.environ.get(DEBUG_VARIABLE) == "1":
                traceback.print_exc(file=sys.stderr)
            continue
        if not all(hasattr(module, name) for name in ("HELP", "add_arguments", "run")):
            warn(f"command {info.name!r} is unavailable (no HELP, add_arguments or run)")
            continue
        modules.append((info.name.replace("_", "-"), module))
    return modules


def build_parser() -> argparse.ArgumentParser:
    """
    Build the argument parser, with one sub-parser per command module.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="custdata",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"custdata {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, module in _command_modules():
        help_line = format_help(str(module.HELP))
        sub = commands.add_parser(
            name,
            help=help_line,
            description=format_help(module.__doc__ or help_line).strip(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run, _command=name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``custdata`` command and return its exit code (the console script exits with it).

    Args:
        argv: The arguments, without the program name; `sys.argv` by default.

    Returns:
        The exit code: 0 done, 1 bug, 2 usage, 3 rows rejected, 4 input
        unreadable, 5 privacy requirement not met.
    """
    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    unknown = _unknown_command(parser, arguments)
    if unknown is not None:
        error(unknown)
        return EXIT_USAGE
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_:  # argparse exits for --help, --version and usage errors
        code = exit_.code
        if code is None:
            return EXIT_OK
        return code if isinstance(code, int) else EXIT_USAGE
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    with set_command(args._command), _library_warnings():
        return run_command(run, args)


def _unknown_command(parser: argparse.ArgumentParser, arguments: list[str]) -> str | None:
    """The error for a mistyped sub-command, naming the closest ones; None if it is known."""
    first = next((a for a in arguments if not a.startswith("-")), None)
    if first is None or arguments.index(first) != 0:
        return None  # options first (--help, --version): argparse handles them
    commands = _command_names(parser)
    if first in commands:
        return None
    close = difflib.get_close_matches(first, commands, n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(name) for name in close)}?" if close else ""
    return (
        f"unknown command {first[:40]!r}{hint} "
        f"(commands: {', '.join(commands)}; see 'custdata --help')"
    )


def _command_names(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:  # argparse keeps sub-parsers here; no public accessor
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    return []


class _WarningHandler(logging.Handler):
    """Print the library's log warnings the way the command prints its own."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.ERROR:
            warn(record.getMessage())
        else:
            error(record.getMessage())


@contextlib.contextmanager
def _library_warnings() -> Iterator[None]:
    """Show custdata's logged warnings (a key file readable by others) as custdata: warning:."""
    logger = logging.getLogger("custdata")
    handler = _WarningHandler(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)

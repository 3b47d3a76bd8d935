"""
Check a policy, or show what it does to each field.

A policy is a TOML file or the name of a built-in policy (partner-share,
analytics, support-view). 'check' loads it and reports every problem, each
naming the file and the field (exit code 2 on any); 'show' lists each field of
the record type and what the policy makes of it, then the fingerprint that
every audit of the policy records.

examples:
  custdata policy check my-policy.toml
  custdata policy show partner-share
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from custdata.cli._common import EXIT_OK, EXIT_USAGE, error, policy_from
from custdata.errors import PolicyError

if TYPE_CHECKING:
    from custdata.policy import Policy

__all__ = ["HELP", "add_arguments", "run"]

HELP = "check a policy (every problem, exit 2 on any) or show what it does to each field"

_POLICY_HELP = "a policy file (.toml) or the name of a built-in policy"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the ``check`` and ``show`` sub-commands.

    Args:
        parser: The ``custdata policy`` parser.
    """
    actions = parser.add_subparsers(dest="policy_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="load a policy and report every problem; exit code 2 on any",
        description="Load a policy and report every problem, each naming the file and the "
        "field; exit code 2 on any, 0 and an 'ok' line otherwise.",
    )
    check.add_argument("policy", metavar="POLICY", help=_POLICY_HELP)
    show = actions.add_parser(
        "show",
        help="show each field and what the policy makes of it, and its fingerprint",
        description="Show each field of the record type and what the policy makes of it, "
        "then the policy's fingerprint (recorded in every audit).",
    )
    show.add_argument("policy", metavar="POLICY", help=_POLICY_HELP)


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata policy check`` or ``custdata policy show``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 2 when ``check`` found problems.

    Raises:
        PolicyError: If ``show`` is given a policy that does not load (exit code 2).
    """
    if args.policy_action == "check":
        return _check(args.policy)
    _show(policy_from(args.policy))
    return EXIT_OK


def _check(text: str) -> int:
    """Load the policy; on failure, list every problem of its file, not only the first."""
    from custdata.policy import Policy

    try:
        policy = policy_from(text)
    except PolicyError as first:
        problems = [first]
        path = Path(text)
        if first.source == str(path) and path.is_file():
            try:
                document = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                pass  # the first problem already says the file cannot be read
            else:
                problems = Policy.check_text(document, source=str(path)) or problems
        for problem in problems:
            error(str(problem))
        count = len(problems)
        sys.stderr.write(f"custdata policy: {text}: {count} problem{'s' if count > 1 else ''}\n")
        return EXIT_USAGE
    sys.stdout.write(
        f"{text}: ok (policy {policy.name!r} version {policy.version}, "
        f"{policy.record_type} records, {policy.fingerprint})\n"
    )
    return EXIT_OK


def _show(policy: Policy) -> None:
    """Print each field and what it becomes, then the fingerprint."""
    lines = policy.describe()
    unlisted = {"drop": "dropped", "keep": "kept", "by-category": "protected by category"}
    dated = any(resolved.dated for resolved in policy.resolved().values())
    if not dated:
        reference = ""
    elif policy.reference is not None:
        reference = f"; dated rules use {policy.reference.isoformat()}"
    else:
        reference = "; dated rules use the day given to apply (--today)"
    out = sys.stdout
    out.write(f"policy {policy.name!r} version {policy.version}: {policy.record_type} records\n")
    out.write(
        f"fields it does not list are {unlisted.get(policy.default, policy.default)}{reference}\n"
    )
    width = max(len(field) for field, _ in lines)
    for field, becomes in lines:
        out.write(f"  {field:<{width}}  {becomes}\n")
    out.write(f"fingerprint {policy.fingerprint}\n")

"""
Create and rotate key files.

'new' writes a key ring holding one new random key; 'rotate' adds a new active
key and keeps the old ones for reading. Key files are written atomically with
mode 0600, and an existing key file is never overwritten by 'new' without
--force; through a symbolic link, the file it points to is replaced and the
link kept. Nothing prints key material: only key ids.

examples:
  custdata keys new -o keys.json
  custdata keys rotate keys.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from custdata.cli._common import EXIT_OK

__all__ = ["HELP", "add_arguments", "run"]

HELP = "create a key file (new) or add a new active key to one (rotate)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the ``new`` and ``rotate`` sub-commands.

    Args:
        parser: The ``custdata keys`` parser.
    """
    actions = parser.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    new = actions.add_parser(
        "new",
        help="write a new key file holding one random 256-bit key",
        description="Write a new key file (mode 0600) holding one random key, active.",
    )
    new.add_argument("-o", "--output", required=True, type=Path, help="the key file to write")
    new.add_argument("--key-id", help="the id of the key (default: 'k' and 8 random hex digits)")
    new.add_argument(
        "--force", action="store_true", help="replace the file if it exists (its keys are lost)"
    )
    rotate = actions.add_parser(
        "rotate",
        help="add a new active key to a key file; old keys stay for reading",
        description=(
            "Add a new random key to a key file and make it active. The old keys stay,"
            " so outputs made with them can still be read or re-keyed."
        ),
    )
    rotate.add_argument(
        "path",
        type=Path,
        help="the key file to update in place (a symbolic link stays one: its target is updated)",
    )
    rotate.add_argument("--key-id", help="the id of the new key (default: random)")


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata keys new`` or ``custdata keys rotate``.

    Args:
        args: The parsed arguments.

    Returns:
        0 on success.

    Raises:
        KeyRingError: If the key file exists (``new`` without ``--force``), is
            malformed, or cannot be written (exit code 2).
    """
    from custdata.keys import KeyRing

    if args.keys_action == "new":
        ring = KeyRing.generate(key_id=args.key_id)
        ring.dump(args.output, overwrite=args.force)
        sys.stderr.write(
            f"custdata keys: wrote {args.output} (active key {ring.active!r}, mode 0600)\n"
        )
        return EXIT_OK
    ring = KeyRing.load(args.path)
    rotated = ring.rotate(key_id=args.key_id)
    rotated.dump(args.path, overwrite=True)
    sys.stderr.write(
        f"custdata keys: rotated {args.path}: active key {rotated.active!r}"
        f" (was {ring.active!r}; {len(rotated)} keys kept for reading)\n"
    )
    return EXIT_OK

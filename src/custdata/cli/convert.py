"""
Convert a customer file between CSV, JSONL and Parquet, checking every row against a record type.

Rows that do not fit the record type (see ``custdata demo``) are rejected with
their issues; give ``--rejects FILE`` to keep them, with their values, for
fixing. The exit code is 3 when rows were rejected.

example:
  custdata convert clients.csv --delimiter ';' --encoding cp1252 -o clients.parquet
  custdata convert clients.csv -o clients.jsonl --rejects rejects.csv
"""

from __future__ import annotations

import argparse
import contextlib

from custdata.cli._common import (
    Counts,
    add_input_arguments,
    add_keep_extra_argument,
    add_output_arguments,
    admit_extra,
    close_record_files,
    finish,
    open_record_files,
    record_type_from,
)

HELP = "convert CSV, JSONL and Parquet files, rejecting rows that do not fit the record type"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the arguments of ``custdata convert``.

    Args:
        parser: The sub-command's parser.
    """
    add_input_arguments(parser)
    add_keep_extra_argument(parser)
    add_output_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata convert``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 3 if rows were rejected.
    """
    from custdata.io import parse_batch

    record_type = record_type_from(args)
    counts = Counts()
    with contextlib.ExitStack() as stack:
        files = open_record_files(stack, args, record_type, desc="convert")
        extras = args.keep_extra
        for batch in files.batches:
            parsed = parse_batch(admit_extra(batch, files.allowed), record_type, tz=args.timezone)
            files.writer.write_records(parsed.records, parsed.extras if extras else None)
            if files.rejects is not None:
                files.rejects.write(parsed.rejects)
            counts.add(read=len(batch), written=len(parsed.records), rejects=parsed.rejects)
        close_record_files(files, record_type, counts)
    return finish("convert", counts, rejects_path=args.rejects, max_rejects=args.max_rejects)

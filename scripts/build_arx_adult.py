"""
Build tests/data/arx/adult.csv.gz: the UCI Adult extract ARX ships as data/adult.csv.

ARX's file is derived from UCI Adult's ``adult.data`` (32 561 records): the
fields of each line are split on commas and stripped of the spaces around
them, every record with a ``?`` in any field is dropped, and nine columns
are kept in this order, ``;``-separated, with one header line and ``\\n`` line
ends: sex;age;race;marital-status;education;native-country;workclass;
occupation;salary-class. That gives 30 162 records and 2 486 772 characters,
which the script checks. The gzip file is written deterministically (no file
name, mtime 0), so rebuilding it gives the same bytes. Run from the
repository root:

    python scripts/build_arx_adult.py path/to/adult.data [--csv out.csv]
"""

from __future__ import annotations

import argparse
import gzip
import io
from pathlib import Path

OUT = Path("tests/data/arx/adult.csv.gz")
RECORDS = 30_162
CHARACTERS = 2_486_772

# UCI Adult's columns, in the order of adult.data.
UCI = (
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "salary-class",
)  # fmt: skip
# ARX's columns, in the order of its data/adult.csv.
ARX = (
    "sex", "age", "race", "marital-status", "education", "native-country", "workclass",
    "occupation", "salary-class",
)  # fmt: skip


def derive(text: str) -> str:
    """ARX's adult.csv from the text of UCI's adult.data."""
    position = [UCI.index(name) for name in ARX]
    lines = [";".join(ARX)]
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != len(UCI):
            msg = f"adult.data: a line has {len(fields)} fields, expected {len(UCI)}"
            raise ValueError(msg)
        if "?" in fields:
            continue
        lines.append(";".join(fields[i] for i in position))
    return "\n".join(lines) + "\n"


def check(csv: str) -> None:
    """Check the record and character counts of ARX's file."""
    records = csv.count("\n") - 1
    if records != RECORDS or len(csv) != CHARACTERS:
        msg = (
            f"derived {records} records and {len(csv)} characters; "
            f"ARX's adult.csv has {RECORDS} and {CHARACTERS}"
        )
        raise ValueError(msg)


def write_gzip(csv: str, path: Path) -> None:
    """Write the text gzip-compressed, with no file name and mtime 0."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as out:
        out.write(csv.encode("utf-8"))
    path.write_bytes(buffer.getvalue())


def main() -> None:
    """Read adult.data, derive, check and write adult.csv.gz (and the plain CSV if asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("adult_data", type=Path, help="UCI Adult's adult.data")
    parser.add_argument("--csv", type=Path, help="also write the plain CSV here")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the gzip file (default {OUT})")
    args = parser.parse_args()
    csv = derive(args.adult_data.read_text(encoding="utf-8"))
    check(csv)
    write_gzip(csv, args.out)
    if args.csv is not None:
        args.csv.write_text(csv, encoding="utf-8", newline="")
    print(f"{args.out}: {RECORDS} records, {CHARACTERS} characters")


if __name__ == "__main__":
    main()

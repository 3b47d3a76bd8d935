"""
Reading and writing customer files: CSV, JSONL and Parquet, in batches.

The commands of ``custdata`` share this layer, and so can hosts. Readers
stream (memory stays flat whatever the file size) and yield batches of `Row`;
`parse_batch` turns a batch into records and `Reject` objects. Writers write
under a temporary name and rename on success, so a failed run leaves no file
that looks complete.

Inputs may be files, named pipes or ``-`` (`STDIO`) for standard input, and
outputs ``-`` for standard output (streamed, without the rename): nothing
seeks, and Parquet from a pipe is read from a private temporary copy.

Each format is a module that defines its reader and writer; one table maps
file suffixes to formats (see docs/architecture.md).

CSV conventions (see docs/cli.md): dotted headers for nested fields
(``address.postal_code``), list items joined with ``|``, the delimiter sniffed
among ``,`` ``;`` tab and ``|``, encodings ``utf-8``, ``utf-8-sig`` and
``cp1252``, cells of at most 131 072 characters (Python's default
`csv.field_size_limit`, which custdata never changes), and formula escaping:
a cell starting with ``=`` ``+`` ``-`` ``@`` tab or carriage return is
written with a leading ``'`` unless it is a plain number, and readers undo it.

Parquet files are typed (`custdata.frames.arrow_schema`: dates, UTC timestamps
with an offset column, decimal amounts, dictionary strings, lists); reading
accepts them and all-string files alike. `parquet_column_types` gives the
Parquet type of each column (`PARQUET_TYPES`), and a value a typed column
cannot hold raises `UnwritableValuesError`, never a rounding.

`write_synthetic` streams a `custdata.synthetic` dataset to files; it lives
here because files sit above the generator, and loads it on first use.

Errors never hold a customer value: they name files, columns, rows and codes.
pyarrow (Parquet), tqdm (progress) and the generator load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from custdata._lazy import lazy_names as _lazy_names
from custdata.errors import UsageError
from custdata.io._atomic import AtomicFile
from custdata.io._base import DEFAULT_BATCH_SIZE, STDIO, Reader, Writer
from custdata.io._formats import FORMATS, infer_format, open_reader, open_writer
from custdata.io._parquet import PARQUET_TYPES, UnwritableValuesError
from custdata.io._parquet import column_types as parquet_column_types
from custdata.io._progress import progress
from custdata.io._rejects import REJECT_COLUMNS, RejectsWriter, open_rejects_writer
from custdata.io._text import (
    DELIMITERS,
    ENCODINGS,
    MAX_LINE_BYTES,
    escape_formula,
    normalise_encoding,
    sniff_delimiter,
    unescape_formula,
)
from custdata.model._rows import (
    ParsedBatch,
    Reject,
    Row,
    flatten,
    parse_batch,
    required_columns,
)

if TYPE_CHECKING:
    from custdata.io._synthetic import write_synthetic

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DELIMITERS",
    "ENCODINGS",
    "FORMATS",
    "MAX_LINE_BYTES",
    "PARQUET_TYPES",
    "REJECT_COLUMNS",
    "STDIO",
    "AtomicFile",
    "ParsedBatch",
    "Reader",
    "Reject",
    "RejectsWriter",
    "Row",
    "UnwritableValuesError",
    "UsageError",
    "Writer",
    "escape_formula",
    "flatten",
    "infer_format",
    "normalise_encoding",
    "open_reader",
    "open_rejects_writer",
    "open_writer",
    "parquet_column_types",
    "parse_batch",
    "progress",
    "required_columns",
    "sniff_delimiter",
    "unescape_formula",
    "write_synthetic",
]

# Names resolved on first access (PEP 562): name -> module that defines it.
_LAZY: Final[dict[str, str]] = {"write_synthetic": "custdata.io._synthetic"}


__getattr__, __dir__ = _lazy_names(__name__, _LAZY)

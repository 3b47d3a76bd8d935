"""
Throughput of the reversible transforms against the tools a script would otherwise use.

Goals (docs/performance.md):

- `Tokenise` on a column of 1 000 000 emails through ``apply_many``, with numpy
  installed: at least 10x the values/s of Presidio's ``encrypt`` operator (AES-CBC with a random
  IV, not deterministic, not authenticated) on 100 000 emails. The issue's
  workload is the transforms benchmark's (benchmarks/bench_transforms.py,
  same generator): 1 000 000 emails in which each distinct value appears 1.2
  times on average, so nearly every row costs one AES-SIV encryption. The
  batched AES-SIV needs numpy (the ``arrow``, ``pandas`` and ``all`` extras).
  Also measured: the issue's workload as an install without numpy runs it (one
  ``cryptography`` AESSIV call per distinct value; numpy is hidden from the
  import system for that measure) and with ``workers=2``, 1 000 000 rows over
  100 000 customers (each email ten times, as in an orders table), 1 000 000
  distinct emails, and one value at a time (one AESSIV call each);
- `FormatPreserving` on 100 000 distinct 10-digit numbers: at least 4x the
  values/s of the ``ff3`` package's FF3-1 called one value at a time, and at
  least 20x through ``apply_many`` on the whole column (each FF1 round is one
  AES-ECB call over the blocks of every value).

Presidio and ff3 come from the ``bench`` extra, installed in ``.venv-bench``
(``make bench-env``) because they pin old dependencies. When they are not
importable here, this script runs its own baseline functions in that
interpreter (``--baseline NAME COUNT`` prints one JSON line), in the same run.

The Tokenise measures run in ``--rounds`` interleaved rounds (Presidio, then
each custdata measure), so that a busy machine slows them alike; a ratio is
taken within each round, and the median across rounds is reported, next to
the best values/s of each side. The machine is shared: run it when it is quiet.

Run: ``.venv/bin/python benchmarks/bench_reversible.py [--rounds 3] [--tokenise-only]``
(``--bench-python`` names the interpreter that has the baselines when it is not
this tree's ``.venv-bench``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_transforms import emails as issue_emails

ROOT = Path(__file__).resolve().parent.parent
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
AES_KEY_HEX = "2b7e151628aed2a6abf7158809cf4f3c"
FF3_KEY_HEX = "EF4359D8D580AA4F7F036D6F04FC6A94" * 2
FF3_TWEAK_HEX = "D8E7920AFA330A"


def _emails(count: int) -> list[str]:
    rng = random.Random(20240601)
    return [f"customer.{i}.{rng.randrange(10**6)}@example.fr" for i in range(count)]


def _email_column(rows: int, distinct: int) -> list[str]:
    """``rows`` emails over ``distinct`` customers, the repeats spread over the column."""
    people = _emails(distinct)
    rng = random.Random(20240603)
    column = [people[i % distinct] for i in range(rows)]
    rng.shuffle(column)
    return column


def _numbers(count: int) -> list[str]:
    rng = random.Random(20240602)
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen[f"{rng.randrange(10**10):010d}"] = None
    return list(seen)


def _best(run: Callable[[], object], count: int, rounds: int) -> float:
    """Return the best values/s over ``rounds`` runs."""
    best = 0.0
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
        best = max(best, count / elapsed)
    return best


# -- baselines (run here if importable, else in .venv-bench) ------------------------


def _presidio(count: int, rounds: int) -> float:
    from presidio_anonymizer.operators import Encrypt

    values = issue_emails(count)
    operator = Encrypt()
    params = {"key": bytes.fromhex(AES_KEY_HEX)}
    return _best(lambda: [operator.operate(v, params) for v in values], count, rounds)


def _ff3(count: int, rounds: int) -> float:
    from ff3 import FF3Cipher

    values = _numbers(count)
    cipher = FF3Cipher(FF3_KEY_HEX, FF3_TWEAK_HEX)
    return _best(lambda: [cipher.encrypt(v) for v in values], count, rounds)


_BASELINES: dict[str, Callable[[int, int], float]] = {"presidio": _presidio, "ff3": _ff3}


def _baseline(name: str, count: int, rounds: int, python: Path) -> tuple[float, str]:
    """Values/s of a baseline, and where it ran (``python``: the bench virtualenv's)."""
    try:
        return _BASELINES[name](count, rounds), "this interpreter"
    except ImportError:
        pass
    if not python.exists():
        msg = f"{name} is not installed here and {python} is missing: run `make bench-env`"
        raise SystemExit(msg)
    out = subprocess.run(
        [str(python), __file__, "--baseline", name, str(count), "--rounds", str(rounds)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out.splitlines()[-1])["values_per_s"]), ".venv-bench"


# -- custdata ------------------------------------------------------------------------


def _ring() -> object:
    from custdata.keys import KeyRing

    return KeyRing.from_mapping({"bench": bytes(range(32))}, active="bench")


def _tokenise_measures(count: int) -> dict[str, tuple[int, Callable[[], object]]]:
    """The Tokenise measures: label -> (values per run, run)."""
    from custdata.transforms.tokenise import Tokenise

    tokenise = Tokenise(keys=_ring(), domain="email")  # type: ignore[arg-type]
    issue = issue_emails(count)
    column = _email_column(count, count // 10)
    values = _emails(count)
    sample = issue[: count // 10]
    if tokenise.apply_many(issue[:5000]) != [tokenise(v) for v in issue[:5000]]:
        raise SystemExit("apply_many disagrees with the one-value path")

    def without_numpy() -> object:
        # As an install without numpy: importing it fails while this runs.
        saved = sys.modules.get("numpy")
        sys.modules["numpy"] = None  # type: ignore[assignment]
        try:
            return tokenise.apply_many(issue)
        finally:
            del sys.modules["numpy"]
            if saved is not None:
                sys.modules["numpy"] = saved

    return {
        "issue": (count, lambda: tokenise.apply_many(issue)),
        "issue, without numpy": (count, without_numpy),
        "issue, workers=2": (count, lambda: tokenise.apply_many(issue, workers=2)),
        "repeats": (count, lambda: tokenise.apply_many(column)),
        "distinct": (count, lambda: tokenise.apply_many(values)),
        "one": (len(sample), lambda: [tokenise(v) for v in sample]),
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _fpe(count: int, rounds: int) -> tuple[float, float]:
    from custdata.transforms.fpe import FormatPreserving

    values = _numbers(count)
    fpe = FormatPreserving(keys=_ring(), domain="account")  # type: ignore[arg-type]
    many = _best(lambda: fpe.apply_many(values), count, rounds)
    one = _best(lambda: [fpe(v) for v in values], count, rounds)
    return many, one


def main() -> None:
    """Run the benchmark and print values/s and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--presidio", type=int, default=100_000)
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--baseline", nargs=2, metavar=("NAME", "COUNT"))
    parser.add_argument(
        "--bench-python",
        type=Path,
        default=BENCH_PYTHON,
        help="the interpreter that has presidio and ff3 (default: .venv-bench of this tree)",
    )
    parser.add_argument(
        "--tokenise-only", action="store_true", help="skip the FormatPreserving measures"
    )
    args = parser.parse_args()
    if args.baseline:
        name, count = args.baseline
        values_per_s = _BASELINES[name](int(count), args.rounds)
        print(json.dumps({"baseline": name, "values_per_s": values_per_s}))
        return

    print(f"Python {platform.python_version()}, load average at start: {_load()}")
    measures = _tokenise_measures(args.tokens)
    rates: dict[str, list[float]] = {"presidio": [], **{label: [] for label in measures}}
    where_p = ""
    for _ in range(args.rounds):
        presidio, where_p = _baseline("presidio", args.presidio, 1, args.bench_python)
        rates["presidio"].append(presidio)
        for label, (count, run) in measures.items():
            rates[label].append(_best(run, count, 1))

    def ratio(label: str) -> float:
        pairs = zip(rates[label], rates["presidio"], strict=True)
        return statistics.median(rate / base for rate, base in pairs)

    rows = f"{args.tokens:,} rows"
    titles = {
        "issue": f"Tokenise.apply_many, {rows}, each email 1.2 times (the issue's workload)",
        "issue, without numpy": "Tokenise.apply_many, the same column, without numpy (AESSIV)",
        "issue, workers=2": "Tokenise.apply_many(workers=2), the same column",
        "repeats": f"Tokenise.apply_many, {rows} over {args.tokens // 10:,} customers",
        "distinct": f"Tokenise.apply_many, {rows}, all distinct",
        "one": f"Tokenise one value at a time ({args.tokens // 10:,} values)",
    }
    print(
        f"presidio Encrypt.operate ({args.presidio:,} emails, {where_p}):"
        f" {max(rates['presidio']):,.0f} values/s"
    )
    for label, title in titles.items():
        goal = " (goal >= 10x)" if label == "issue" else ""
        print(f"{title}: {max(rates[label]):,.0f} values/s")
        print(f"  ratio to presidio: {ratio(label):.1f}x{goal}")
    for label, values in rates.items():
        print(f"    rounds {label}: " + ", ".join(f"{v:,.0f}" for v in values))
    print(f"load average after Tokenise: {_load()}")
    if args.tokenise_only:
        return

    ff3, where_f = _baseline("ff3", args.numbers, args.rounds, args.bench_python)
    fpe_many, fpe_one = _fpe(args.numbers, args.rounds)
    print(
        f"ff3 FF3Cipher.encrypt ({args.numbers:,} 10-digit values, {where_f}): {ff3:,.0f} values/s"
    )
    print(f"FormatPreserving one value at a time: {fpe_one:,.0f} values/s")
    print(f"FormatPreserving.apply_many: {fpe_many:,.0f} values/s")
    print(f"  ratio one by one / ff3: {fpe_one / ff3:.1f}x (goal >= 4x)")
    print(f"  ratio apply_many / ff3: {fpe_many / ff3:.1f}x (goal >= 20x)")
    print(f"load average at the end: {_load()}")


if __name__ == "__main__":
    main()

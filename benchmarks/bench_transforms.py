"""
Transforms throughput: Pseudonymise against same-run baselines, masking and truncation.

Workload: 1 000 000 synthetic emails in which each distinct value appears 1.2
times on average (833 334 distinct values), shuffled with a fixed seed.

Measured, as values per second (median of ``--repeat`` runs):

- a bare Python loop of ``hmac.digest(key, v.encode(), "sha256")`` (the baseline);
- ``Pseudonymise.apply_many`` on one thread, and with ``workers=2``;
- presidio-anonymizer's ``hash`` operator (sha256, fixed salt so that it is
  deterministic) on 100 000 values, through ``AnonymizerEngine.anonymize`` as
  documented, and called directly; it runs in ``.venv-bench`` (``make
  bench-env``) when presidio is not importable here;
- ``MaskEmail`` and ``TruncatePostcode`` through ``apply_many`` and ``apply_arrow``;
- ``MaskPhone`` on ``--size`` distinct phone numbers in five written forms:
  ``apply_many``, its pyarrow.compute kernel (``apply_arrow``) and the generic
  ``BaseTransform.apply_arrow`` (each distinct value through ``apply_many``);
- ``ShiftDate`` on ``--size`` rows (dates, 5% null, of 100 000 subjects):
  ``apply_rows`` on the rows and ``apply_arrow_rows`` on the same columns;
- ``Surrogate`` on 100 000 full names and 100 000 emails (each distinct value 1.2
  times on average), against ``Pseudonymise`` on the same values in the same rounds
  (``--surrogates-only`` runs this part alone).

Run: ``.venv/bin/python benchmarks/bench_transforms.py [--repeat 3] [--size 1000000]``.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
PRESIDIO_SIZE = 100_000


def emails(size: int, repeat: float = 1.2, seed: int = 20240630) -> list[str]:
    """``size`` emails, each distinct one appearing ``repeat`` times on average."""
    rng = random.Random(seed)
    first = ["jean", "marie", "pierre", "sophie", "luc", "camille", "élodie", "françois", "léa"]
    last = ["dupont", "martin", "bernard", "durand", "lefèvre", "moreau", "garnier", "roux"]
    hosts = ["example.fr", "orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr"]
    distinct = round(size / repeat)
    values = [
        f"{rng.choice(first)}.{rng.choice(last)}{i}@{rng.choice(hosts)}" for i in range(distinct)
    ]
    values += rng.choices(values, k=size - distinct)
    rng.shuffle(values)
    return values


def full_names(size: int, repeat: float = 1.2, seed: int = 1985) -> list[str]:
    """``size`` full names, each distinct one appearing ``repeat`` times on average."""
    rng = random.Random(seed)
    given = ["Élodie", "Jean", "Marie", "Pierre", "Sophie", "Luc", "Camille", "François", "Léa"]
    given += ["Thomas", "Inès", "Hugo", "Chloé", "Nicolas", "Manon", "Louis", "Emma", "Jules"]
    family = ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Garnier", "Roux", "Fournier"]
    syllables = ["ber", "lan", "mou", "gar", "del", "ri", "vau", "chon", "tel", "mar", "quin"]
    distinct = round(size / repeat)
    values = list(
        dict.fromkeys(
            f"{rng.choice(given)} {rng.choice(family)}"
            f"{''.join(rng.choices(syllables, k=2))}{rng.choice(syllables)}"
            for _ in range(distinct * 2)
        )
    )[:distinct]
    values += rng.choices(values, k=size - len(values))
    rng.shuffle(values)
    return values


def postcodes(size: int, seed: int = 7) -> list[str]:
    """``size`` French postcodes (5 digits, about 40 000 distinct)."""
    rng = random.Random(seed)
    return [f"{rng.randrange(1000, 96000):05d}" for _ in range(size)]


def phones(size: int, seed: int = 33) -> list[str]:
    """``size`` distinct phone numbers, written five ways (spaces, dots, 00, +, brackets)."""
    rng = random.Random(seed)
    forms = [
        "+33 6 {0:02d} {1:02d} {2:02d} {3:02d}",
        "06.{0:02d}.{1:02d}.{2:02d}.{3:02d}",
        "0033 7 {0:02d}{1:02d}{2:02d}{3:02d}",
        "+1 (415) {0:02d}{1:01d}-{2:02d}{3:02d}",
        "+44 20 {0:02d}{1:02d} {2:02d}{3:02d}",
    ]
    out = []
    for i in range(size):
        digits = (i // 1_000_000 % 100, i // 10_000 % 100, i // 100 % 100, i % 100)
        out.append(rng.choice(forms).format(*digits) + str(i // 100_000_000 or ""))
    return out


def timed(function: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    """Median and all wall-clock durations of ``repeat`` calls."""
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations), durations


def presidio_rates(size: int, repeat: int) -> dict[str, Any]:
    """Values/s of presidio's hash operator (engine and direct); run where presidio imports."""
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult
    from presidio_anonymizer.operators import Hash

    values = emails(size)
    salt = b"0123456789abcdef0123456789abcdef"
    engine = AnonymizerEngine()
    operators = {"DEFAULT": OperatorConfig("hash", {"hash_type": "sha256", "salt": salt})}

    def through_engine() -> list[str]:
        return [
            engine.anonymize(
                text=v,
                analyzer_results=[RecognizerResult("EMAIL_ADDRESS", 0, len(v), 1.0)],
                operators=operators,
            ).text
            for v in values
        ]

    operator = Hash()
    params = {"hash_type": "sha256", "salt": salt}

    def direct() -> list[str]:
        return [operator.operate(v, params) for v in values]

    from importlib.metadata import version

    engine_s, _ = timed(through_engine, repeat)
    direct_s, _ = timed(direct, repeat)
    return {
        "version": version("presidio-anonymizer"),
        "engine": size / engine_s,
        "operator": size / direct_s,
    }


def run_presidio(size: int, repeat: int) -> dict[str, Any] | None:
    """Presidio figures from this interpreter, or from .venv-bench, or None if neither has it."""
    try:
        import presidio_anonymizer  # noqa: F401
    except ImportError:
        pass
    else:
        return presidio_rates(size, repeat)
    if not BENCH_PYTHON.exists():
        return None
    command = [str(BENCH_PYTHON), __file__, "--presidio-only", "--size", str(size)]
    command += ["--repeat", str(repeat)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"presidio run failed in {BENCH_PYTHON}:\n{done.stderr[-2000:]}")
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["python"] = str(BENCH_PYTHON)
    return result


def line(label: str, size: int, seconds: float, baseline: float | None = None) -> float:
    """Print one result; return values/s."""
    rate = size / seconds
    ratio = f"  {rate / baseline:5.2f}x bare loop" if baseline else ""
    print(f"  {label:<52} {rate:>12,.0f} values/s{ratio}")
    return rate


def main() -> int:  # noqa: PLR0912, PLR0915  # one linear script, easier to read whole
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--presidio-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--surrogates-only", action="store_true")
    args = parser.parse_args()
    if args.presidio_only:
        print(json.dumps(presidio_rates(min(args.size, PRESIDIO_SIZE), args.repeat)))
        return 0
    if args.surrogates_only:
        from custdata import KeyRing

        if hasattr(os, "getloadavg"):
            print(
                f"load average at start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores"
            )
        surrogates(args.repeat, KeyRing.generate())
        return 0

    from custdata import KeyRing
    from custdata.transforms import MaskEmail, Pseudonymise, TruncatePostcode

    size, repeat = args.size, args.repeat
    values = emails(size)
    ring = KeyRing.generate()
    pseudo = Pseudonymise(keys=ring, domain="email")
    key = ring.derive("pseudonymise", "email")
    print(
        f"transforms benchmark: {size:,} emails, {len(set(values)):,} distinct;"
        f" median of {repeat} runs; Python {sys.version.split()[0]}"
    )
    if hasattr(os, "getloadavg"):  # workers=2 means little unless two cores are free
        print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")

    def bare() -> list[bytes]:
        return [hmac.digest(key, v.encode(), "sha256") for v in values]

    # Rounds interleave the three measures, so that a busy machine slows them alike;
    # ratios are taken within each round, then the median across rounds.
    runs: dict[str, list[float]] = {"bare": [], "one": [], "two": []}
    for _ in range(repeat):
        runs["bare"].append(timed(bare, 1)[0])
        runs["one"].append(timed(lambda: pseudo.apply_many(values), 1)[0])
        runs["two"].append(timed(lambda: pseudo.apply_many(values, workers=2), 1)[0])
    loop = [pseudo(v) for v in values[:50_000]]
    if pseudo.apply_many(values[:1000], workers=1) != loop[:1000]:
        raise SystemExit("apply_many disagrees with the per-value loop")
    if pseudo.apply_many(values[:50_000], workers=2) != loop:
        raise SystemExit("apply_many(workers=2) disagrees with the per-value loop")

    def ratio(kind: str) -> float:
        return statistics.median(b / s for b, s in zip(runs["bare"], runs[kind], strict=True))

    print("Pseudonymise (HMAC-SHA256, 128-bit hex pseudonyms)")
    line("bare loop hmac.digest(key, v.encode(), 'sha256')", size, statistics.median(runs["bare"]))
    one_s = statistics.median(runs["one"])
    print(
        f"  {'Pseudonymise.apply_many (1 thread)':<52} {size / one_s:>12,.0f} values/s"
        f"  {ratio('one'):5.2f}x bare loop (median of per-round ratios)"
    )
    print(
        f"  {'Pseudonymise.apply_many(workers=2)':<52}"
        f" {size / statistics.median(runs['two']):>12,.0f} values/s"
        f"  {ratio('two'):5.2f}x bare loop (median of per-round ratios)"
    )
    for label, kind in (("bare", "bare"), ("apply_many", "one"), ("workers=2", "two")):
        print(f"    runs {label}: " + ", ".join(f"{s:.3f}s" for s in runs[kind]))
    if hasattr(os, "getloadavg"):
        print(f"    load average after these rounds: {os.getloadavg()[0]:.2f} (1 min)")

    distinct = values[:200_000]
    distinct = list(dict.fromkeys(distinct))
    loop_s, _ = timed(lambda: [pseudo(v) for v in distinct], repeat)
    many_s, _ = timed(lambda: pseudo.apply_many(distinct), repeat)
    print(
        f"  all-distinct batch of {len(distinct):,}: apply_many takes"
        f" {many_s / loop_s:.2f}x the time of [t(v) for v in values]"
    )

    presidio = run_presidio(min(size, PRESIDIO_SIZE), repeat)
    if presidio is None:
        print("  presidio-anonymizer: SKIPPED (not importable here and no .venv-bench;")
        print("  run `make bench-env` to install the baselines)")
    else:
        one_rate = size / one_s
        where = presidio.get("python", sys.executable)
        print(f"presidio-anonymizer {presidio['version']} hash (sha256, fixed salt), via {where}")
        for kind in ("engine", "operator"):
            rate = presidio[kind]
            print(
                f"  {'hash via ' + kind:<52} {rate:>12,.0f} values/s"
                f"  apply_many is {one_rate / rate:5.1f}x faster"
            )

    print("MaskEmail and TruncatePostcode")
    mask = MaskEmail()
    mask_s, _ = timed(lambda: mask.apply_many(values), repeat)
    line("MaskEmail.apply_many", size, mask_s)
    codes = postcodes(size)
    trunc = TruncatePostcode()
    trunc_s, _ = timed(lambda: trunc.apply_many(codes), repeat)
    line("TruncatePostcode.apply_many", size, trunc_s)
    try:
        import pyarrow as pa
    except ImportError:
        print("  apply_arrow: SKIPPED (pyarrow is not installed: pip install 'custdata[arrow]')")
        return 0
    email_array = pa.array(values)
    code_array = pa.array(codes)
    arrow_mask_s, _ = timed(lambda: mask.apply_arrow(email_array), repeat)
    line("MaskEmail.apply_arrow", size, arrow_mask_s)
    arrow_trunc_s, _ = timed(lambda: trunc.apply_arrow(code_array), repeat)
    line("TruncatePostcode.apply_arrow", size, arrow_trunc_s)
    if mask.apply_arrow(email_array[:1000]).to_pylist() != mask.apply_many(values[:1000]):
        raise SystemExit("apply_arrow disagrees with apply_many")
    kernels(pa, size, repeat, ring)
    surrogates(repeat, ring)
    return 0


def surrogates_only(repeat: int) -> int:
    """The Surrogate part alone, with the load average (the machine may be shared)."""
    from custdata import KeyRing

    if hasattr(os, "getloadavg"):
        print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    surrogates(repeat, KeyRing.generate())
    return 0


def surrogates(repeat: int, ring: Any, size: int = 100_000) -> None:
    """Surrogate against Pseudonymise on the same names and emails, in the same rounds."""
    from custdata.transforms import Pseudonymise, Surrogate

    workloads = {"names": full_names(size), "emails": emails(size)}
    cases = {
        "names": (("full_name", "Surrogate(kind='full_name')"), ("family_name", "... family_name")),
        "emails": (("email", "Surrogate(kind='email')"),),
    }
    pseudo = Pseudonymise(keys=ring, domain="bench")
    for workload, values in workloads.items():
        print(f"Surrogate on {size:,} {workload} ({len(set(values)):,} distinct), fr_FR")
        for kind, label in cases[workload]:
            sur = Surrogate(keys=ring, domain="bench", kind=kind, locale="fr_FR")
            if sur.apply_many(values[:2000]) != [sur(v) for v in values[:2000]]:
                raise SystemExit("Surrogate.apply_many disagrees with the per-value loop")
            # Interleaved rounds: a busy machine slows both alike; ratios per round.
            own: list[float] = []
            base: list[float] = []
            for _ in range(repeat):
                base.append(timed(lambda v=values: pseudo.apply_many(v), 1)[0])
                own.append(timed(lambda s=sur, v=values: s.apply_many(v), 1)[0])
            ratio = statistics.median(b / o for b, o in zip(base, own, strict=True))
            line("Pseudonymise.apply_many", size, statistics.median(base))
            print(
                f"  {label + '.apply_many':<52} {size / statistics.median(own):>12,.0f} values/s"
                f"  {ratio:5.2f}x Pseudonymise (median of per-round ratios)"
            )
    if hasattr(os, "getloadavg"):
        print(f"    load average after these rounds: {os.getloadavg()[0]:.2f} (1 min)")


def kernels(pa: Any, size: int, repeat: int, ring: Any) -> None:
    """MaskPhone's kernel against the generic Arrow path; ShiftDate's columnar form."""
    import datetime as dt

    from custdata.transforms import BaseTransform, MaskPhone, ShiftDate

    numbers = phones(size)
    phone = MaskPhone()
    print(f"MaskPhone on {len(set(numbers)):,} distinct numbers")
    phone_array = pa.array(numbers, pa.string())
    many_s, _ = timed(lambda: phone.apply_many(numbers), repeat)
    line("MaskPhone.apply_many", size, many_s)
    generic_s, _ = timed(lambda: BaseTransform.apply_arrow(phone, phone_array), repeat)
    line("BaseTransform.apply_arrow (generic, dictionary)", size, generic_s)
    kernel_s, _ = timed(lambda: phone.apply_arrow(phone_array), repeat)
    line("MaskPhone.apply_arrow (kernel)", size, kernel_s)
    print(f"  kernel: {generic_s / kernel_s:.2f}x the generic path")
    if phone.apply_arrow(phone_array).to_pylist() != phone.apply_many(numbers):
        raise SystemExit("MaskPhone.apply_arrow disagrees with apply_many")

    rng = random.Random(5)
    subjects = [f"p{rng.getrandbits(64):016x}" for _ in range(100_000)]
    start = dt.date(2000, 1, 1)
    dates = [
        None if rng.random() < 0.05 else start + dt.timedelta(days=rng.randrange(9000))
        for _ in range(size)
    ]
    people = rng.choices(subjects, k=size)
    shift = ShiftDate(keys=ring, domain="orders", max_days=30, subject_field="customer", field="on")
    rows = [{"on": d, "customer": p} for d, p in zip(dates, people, strict=True)]
    columns = {"on": pa.array(dates, pa.date32()), "customer": pa.array(people, pa.string())}
    print(f"ShiftDate on {size:,} rows, {len(subjects):,} subjects")
    rows_s, _ = timed(lambda: shift.apply_rows(rows), repeat)
    line("ShiftDate.apply_rows", size, rows_s)
    arrow_s, _ = timed(lambda: shift.apply_arrow_rows(columns), repeat)
    line("ShiftDate.apply_arrow_rows", size, arrow_s)
    print(f"  columnar: {rows_s / arrow_s:.2f}x apply_rows")
    if shift.apply_arrow_rows(columns).to_pylist() != shift.apply_rows(rows):
        raise SystemExit("ShiftDate.apply_arrow_rows disagrees with apply_rows")


if __name__ == "__main__":
    sys.exit(main())

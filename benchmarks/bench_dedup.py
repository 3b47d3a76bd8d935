"""
Finding duplicate contacts: time, peak memory, candidate pairs per record, precision, recall, F1.

Goals (docs/performance.md): 1 000 000 synthetic contacts with 3 % near-duplicates
in under 3 minutes, normalisation included, and under 4 GB, on the 2-core
reference machine; pairwise F1 at least that of the baselines on the same data.

For each size the contacts alone are generated in memory
(`custdata.synthetic.generate_contacts`, not timed), then
`custdata.quality.find_duplicates` runs on the `Contact` records: normalisation,
blocking, estimation, comparison and clustering are all inside the time.
Precision, recall and F1 are pairwise, over the clusters, against the
generator's ground truth (`SyntheticDataset.truth.duplicate_clusters`).
Peak memory is the process's peak resident set size (data included), read from
`resource.getrusage`; CPU time (user + system of this process) is printed beside
the elapsed time, the steadier figure on a shared machine. The load average is
printed at the start and the end.

With ``--baselines PYTHON``, the same contacts (first size only) are written to a
CSV file and the baselines of benchmarks/dedup_baselines.py run under that
interpreter (a separate virtualenv holding recordlinkage and splink), each as its
own documentation's deduplication example configures it, each under a watchdog
that stops it past ``--baseline-memory`` MB of resident memory or
``--baseline-seconds`` (the machine is shared); what stopped it is printed.

Run: ``.venv/bin/python benchmarks/bench_dedup.py [--contacts 100000 1000000]
[--baselines /tmp/dedup-baselines/bin/python]``
"""

from __future__ import annotations

import argparse
import csv
import gc
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from custdata.model import Contact

_TIME_GOAL_S = 180.0
_MEMORY_GOAL_MB = 4096.0


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _pairs(clusters: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    return {
        frozenset(pair)
        for cluster in clusters
        for pair in itertools.combinations(sorted(cluster), 2)
    }


def _scores(found: set[frozenset[str]], truth: set[frozenset[str]]) -> tuple[float, float, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_csv(contacts: Iterable[Contact], path: Path) -> None:
    columns = ["contact_id", "given_name", "family_name", "email", "phone", "birth_date"]
    columns += ["postal_code", "street", "city"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for contact in contacts:
            address = contact.address
            writer.writerow(
                [
                    contact.contact_id,
                    contact.given_name or "",
                    contact.family_name or "",
                    contact.email or "",
                    contact.phone or "",
                    contact.birth_date.isoformat() if contact.birth_date else "",
                    (address.postal_code or "") if address else "",
                    (address.line1 or "") if address else "",
                    (address.city or "") if address else "",
                ]
            )


def _run(size: int, baselines: str | None, limits: tuple[float, float]) -> None:
    from custdata.quality import find_duplicates
    from custdata.synthetic import generate_contacts

    print(f"n={size}: load average before {_load()}")
    start = time.perf_counter()
    dataset = generate_contacts(size, seed=2024, duplicates=0.03)
    print(f"{size} contacts generated in {time.perf_counter() - start:.1f} s (not timed)")
    truth = _pairs(dataset.truth.duplicate_clusters())
    gc.collect()
    before = _peak_mb()
    start, cpu = time.perf_counter(), time.process_time()
    result = find_duplicates(dataset.contacts)
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    found = _pairs(result.clusters)
    precision, recall, f1 = _scores(found, truth)
    peak = _peak_mb()
    by_id = {contact.contact_id: contact for contact in dataset.contacts}
    shared = 0
    for pair in found - truth:
        left, right = (by_id[member] for member in pair)
        same_email = left.email is not None and left.email == right.email
        same_phone = left.phone is not None and left.phone == right.phone
        shared += same_email or same_phone
    print(
        f"custdata  n={size}: {elapsed:.1f} s elapsed, {used:.1f} s CPU, peak RSS {peak:.0f} MB "
        f"({before:.0f} MB before), {result.candidate_pairs / size:.2f} candidate pairs per "
        f"record, {len(result.skipped_blocks)} blocks skipped; precision {precision:.4f} "
        f"recall {recall:.4f} F1 {f1:.4f} (threshold {result.threshold:.2f} bits)"
    )
    print(
        f"  of {len(found - truth)} pairs found that the truth does not hold, {shared} are "
        "distinct people the generator gave the same email or phone"
    )
    print(f"  load average after {_load()}")
    goals = []
    if size >= 1_000_000:
        goals.append(f"time goal {'met' if elapsed < _TIME_GOAL_S else 'NOT met'}")
        goals.append(f"memory goal {'met' if peak < _MEMORY_GOAL_MB else 'NOT met'}")
    if goals:
        print("  " + ", ".join(goals))
    if baselines is None:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.csv"
        _write_csv(dataset.contacts, path)
        for name in ("recordlinkage", "splink"):
            found, note = _baseline(baselines, name, path, limits)
            if found is None:
                print(f"{name:13} n={size}: {note}")
                continue
            precision, recall, f1 = _scores({frozenset(pair) for pair in found["pairs"]}, truth)
            print(
                f"{name:13} n={size}: {note}, {found['candidates'] / size:.2f} candidate pairs "
                f"per record; precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}"
            )


def _rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _baseline(
    python: str, name: str, path: Path, limits: tuple[float, float]
) -> tuple[dict[str, Any] | None, str]:
    """
    Run one baseline under a watchdog: stopped past ``limits`` (MB of RSS, seconds).

    Returns its JSON result (None if it failed or was stopped) and a note with
    its elapsed time, CPU time (user + system, all its threads) and peak RSS.
    """
    memory_mb, seconds = limits
    script = Path(__file__).with_name("dedup_baselines.py")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen([python, str(script), name, str(path)], stdout=out, stderr=err)
        peak, stopped = 0.0, ""
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _rss_mb(child.pid))
            elapsed = time.perf_counter() - start
            if not stopped and peak > memory_mb:
                stopped = f"stopped by the watchdog at {peak:.0f} MB (limit {memory_mb:.0f} MB)"
                child.kill()
            elif not stopped and elapsed > seconds:
                stopped = f"stopped by the watchdog after {seconds:.0f} s"
                child.kill()
            time.sleep(0.2)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        cpu = usage.ru_utime + usage.ru_stime
        peak = max(peak, usage.ru_maxrss / 1024)
        note = f"{elapsed:.1f} s elapsed (process), {cpu:.1f} s CPU, peak RSS {peak:.0f} MB"
        if stopped:
            return None, f"{stopped}; {note}"
        if child.returncode != 0:
            err.seek(0)
            last = err.read().strip().splitlines()[-1:]
            return None, f"failed ({last}); {note}"
        out.seek(0)
        found: dict[str, Any] = json.loads(out.read().strip().splitlines()[-1])
        note += f"; {found['seconds']:.1f} s elapsed inside (reading the CSV excluded)"
        return found, note


def _febrl_contacts(path: Path) -> tuple[list[Contact], set[frozenset[str]]]:
    import datetime as dt

    from custdata.model import Address, Contact

    contacts: list[Contact] = []
    people: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["date_of_birth"]
            try:
                birth = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            except ValueError:
                birth = None  # FEBRL spoils some dates beyond reading
            street = " ".join(part for part in (row["street_number"], row["address_1"]) if part)
            contacts.append(
                Contact(
                    contact_id=row["rec_id"],
                    given_name=row["given_name"] or None,
                    family_name=row["surname"] or None,
                    birth_date=birth,
                    address=Address(
                        line1=street or None,
                        line2=row["address_2"] or None,
                        postal_code=row["postcode"] or None,
                        city=row["suburb"] or None,
                        country="AU",
                    ),
                )
            )
            people.setdefault(row["rec_id"].split("-")[1], []).append(row["rec_id"])
    return contacts, _pairs(people.values())


def _febrl(baselines: str, limits: tuple[float, float]) -> None:
    from custdata.quality import find_duplicates

    script = str(Path(__file__).with_name("dedup_baselines.py"))
    for name in ("febrl1", "febrl2"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{name}.csv"
            subprocess.run([baselines, script, name, str(path)], check=True)
            contacts, truth = _febrl_contacts(path)
            start = time.perf_counter()
            result = find_duplicates(contacts)
            elapsed = time.perf_counter() - start
            precision, recall, f1 = _scores(_pairs(result.clusters), truth)
            print(
                f"custdata      {name} ({len(contacts)} records, soc_sec_id unused): "
                f"{elapsed:.1f} s; precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}"
            )
            for baseline in ("recordlinkage", "splink"):
                found, note = _baseline(baselines, baseline, path, limits)
                if found is None:
                    print(f"{baseline:13} {name}: {note}")
                    continue
                pairs = {frozenset(pair) for pair in found["pairs"]}
                precision, recall, f1 = _scores(pairs, truth)
                print(
                    f"{baseline:13} {name}: {note}; precision "
                    f"{precision:.4f} recall {recall:.4f} F1 {f1:.4f}"
                )


def main() -> None:
    """Run the benchmark for each size asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--contacts", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--baselines", default=None, metavar="PYTHON")
    parser.add_argument(
        "--febrl", action="store_true", help="also FEBRL 1 and 2 (needs --baselines)"
    )
    parser.add_argument(
        "--baseline-memory",
        type=float,
        default=4096.0,
        metavar="MB",
        help="stop a baseline whose resident set grows past this (default: 4096)",
    )
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=1200.0,
        metavar="S",
        help="stop a baseline that runs longer than this (default: 1200)",
    )
    args = parser.parse_args()
    limits = (args.baseline_memory, args.baseline_seconds)
    version = sys.version.split()[0]
    print(f"load average at start: {_load()} ({os.cpu_count()} cores); Python {version}")
    if args.baselines is not None and args.febrl:
        _febrl(args.baselines, limits)
    for number, size in enumerate(args.contacts):
        _run(size, args.baselines if number == 0 else None, limits)
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()

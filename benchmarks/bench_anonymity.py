"""
``custdata.anonymity.assess`` against a pandas group-by computing the same k and class sizes.

Goal (docs/performance.md, Anonymity): ``assess(table, quasi_identifiers,
sensitive=[])`` at least as fast as pandas ``groupby(...).size()`` computing the
same k and class sizes on the same table, in the same run, encoding included:
``assess`` gets the Arrow table (it dictionary-encodes each column), pandas the
same table converted by ``Table.to_pandas()`` before the timer starts (its
group-by factorises each column). The full report (risks, l-diversity and
t-closeness of the sensitive attributes) is timed beside it.

Tables, generated with numpy (seed 2024) outside the timed section:

- ``contacts``: birth date (``date32``), postal code (drawn from the French
  postal codes of ``custdata.validation.postal.french_departments``), gender
  (dictionary, 2% missing) and income band; quasi-identifiers birth_date,
  address.postal_code, gender (nearly every record unique, as before a policy);
- ``contacts-generalised``: the same rows as a policy releases them: 10-year age
  band, département, gender (few, large classes);
- ``adult``: the UCI Adult layout generated at scale (each column drawn
  independently from frequencies close to the census file's); quasi-identifiers
  age, sex, race, marital-status, education, native-country, workclass;
  sensitive income and occupation.

Each measure is the best of ``--repeat`` runs, after one untimed run. The two results are checked to
agree (k and the class-size distribution) before any time is printed.

``--pycanon-python PATH`` cross-checks k and distinct l against the pycanon
package, run by that interpreter (a virtualenv of its own: pycanon pins old
pandas and numpy), on ``--pycanon-rows`` rows of each table (pycanon loops over
classes in Python: a million rows would take hours).

The search for a release (``--parts search``): ``k_anonymise`` (global recoding)
and ``mondrian`` at k=5, 4 quasi-identifiers and 2% suppression, on
``adult-4`` (age, sex, marital-status, education, with ARX-like trees; a
lattice of 120 nodes) and ``contacts-4`` (age in years from the birth date,
postal code, gender, income band; 216 nodes). Each run is a fresh process
(``--one``), which prints the time of the search alone, the nodes checked,
and the peak resident memory of the whole process (table included) and its
growth during the search. Goals: global recoding of 1 000 000 rows under 30 s
and 2 GB; Mondrian under 60 s and 2 GB.

Run: ``.venv/bin/python benchmarks/bench_anonymity.py [--rows 100000,1000000] [--repeat 3]
[--parts assess,search] [--pycanon-python .venv-pycanon/bin/python]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")

_GOAL = 1.0
_SEED = 2024
_SEARCH_GOALS = {"global": 30.0, "mondrian": 60.0}  # seconds, on 1 000 000 rows
_MEMORY_GOAL_MB = 2048.0


class Scenario(NamedTuple):
    """One table and what is measured on it."""

    name: str
    table: Any
    quasi: list[str]
    sensitive: list[str]
    coarse: list[str]  # fewer quasi-identifiers, for a cross-check where k and l exceed 1


def _choice(rng: Any, labels: list[str], weights: list[float], rows: int) -> Any:
    import numpy as np

    p = np.asarray(weights, dtype=float)
    return np.asarray(labels, dtype=object)[rng.choice(len(labels), size=rows, p=p / p.sum())]


def contacts(rows: int) -> tuple[Scenario, Scenario]:
    """Synthetic contacts, raw and as a policy generalises them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from custdata.validation.postal import french_departments

    rng = np.random.default_rng(_SEED)
    table_codes = sorted(french_departments())
    weights = rng.pareto(1.2, len(table_codes)) + 0.05  # a few large towns, many villages
    codes = _choice(rng, table_codes, list(weights), rows)
    born = dt.date(1935, 1, 1).toordinal() + rng.integers(0, 365 * 70, rows)
    epoch = dt.date(1970, 1, 1).toordinal()
    birth = pa.array(born - epoch, pa.int32()).cast(pa.date32())
    gender = _choice(rng, ["female", "male", "other"], [0.5, 0.48, 0.02], rows)
    gender[rng.random(rows) < 0.02] = None
    income = _choice(
        rng,
        ["<20k", "20-40k", "40-60k", "60-80k", "80-100k", "100k+"],
        [20, 35, 22, 12, 6, 5],
        rows,
    )
    raw = pa.table(
        {
            "birth_date": birth,
            "address.postal_code": pa.array(codes, pa.string()),
            "gender": pa.array(gender, pa.string()).dictionary_encode(),
            "income_band": pa.array(income, pa.string()),
        }
    )
    years = pc.subtract(pa.scalar(2025, pa.int64()), pc.year(birth))
    band = pc.multiply(pc.divide(years, pa.scalar(10, pa.int64())), pa.scalar(10, pa.int64()))
    departments = french_departments()
    generalised = raw.set_column(0, "birth_date", band).set_column(
        1,
        "address.postal_code",
        pa.array([departments[c] for c in table_codes], pa.string()).take(
            pa.array(np.searchsorted(table_codes, codes))
        ),
    )
    quasi = ["birth_date", "address.postal_code", "gender"]
    return (
        Scenario("contacts", raw, quasi, ["income_band"], ["gender"]),
        Scenario("contacts-generalised", generalised, quasi, ["income_band"], quasi[::2]),
    )


def adult(rows: int) -> Scenario:
    """The UCI Adult layout, each column drawn from frequencies close to the census file's."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(_SEED + 1)
    columns: dict[str, Any] = {
        "age": pa.array(np.clip(rng.gamma(6.0, 6.5, rows) + 17, 17, 90).astype(np.int64)),
    }
    spec: dict[str, tuple[list[str], list[float]]] = {
        "workclass": (
            [
                "Private",
                "Self-emp-not-inc",
                "Local-gov",
                "?",
                "State-gov",
                "Self-emp-inc",
                "Federal-gov",
                "Without-pay",
                "Never-worked",
            ],
            [69.7, 7.8, 6.4, 5.6, 4.0, 3.4, 2.9, 0.04, 0.02],
        ),
        "education": (
            [
                "HS-grad",
                "Some-college",
                "Bachelors",
                "Masters",
                "Assoc-voc",
                "11th",
                "Assoc-acdm",
                "10th",
                "7th-8th",
                "Prof-school",
                "9th",
                "12th",
                "Doctorate",
                "5th-6th",
                "1st-4th",
                "Preschool",
            ],
            [32.3, 22.4, 16.4, 5.3, 4.2, 3.6, 3.3, 2.9, 2.0, 1.8, 1.6, 1.3, 1.3, 1.0, 0.5, 0.2],
        ),
        "marital-status": (
            [
                "Married-civ-spouse",
                "Never-married",
                "Divorced",
                "Separated",
                "Widowed",
                "Married-spouse-absent",
                "Married-AF-spouse",
            ],
            [46.0, 32.8, 13.6, 3.1, 3.0, 1.3, 0.07],
        ),
        "occupation": (
            [
                "Prof-specialty",
                "Craft-repair",
                "Exec-managerial",
                "Adm-clerical",
                "Sales",
                "Other-service",
                "Machine-op-inspct",
                "?",
                "Transport-moving",
                "Handlers-cleaners",
                "Farming-fishing",
                "Tech-support",
                "Protective-serv",
                "Priv-house-serv",
                "Armed-Forces",
            ],
            [12.7, 12.6, 12.5, 11.6, 11.2, 10.1, 6.1, 5.7, 4.9, 4.2, 3.1, 2.8, 2.0, 0.5, 0.03],
        ),
        "relationship": (
            ["Husband", "Not-in-family", "Own-child", "Unmarried", "Wife", "Other-relative"],
            [40.5, 25.5, 15.6, 10.6, 4.8, 3.0],
        ),
        "race": (
            ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"],
            [85.4, 9.6, 3.2, 1.0, 0.8],
        ),
        "sex": (["Male", "Female"], [66.9, 33.1]),
        "native-country": (
            [
                "United-States",
                "Mexico",
                "?",
                "Philippines",
                "Germany",
                "Canada",
                "Puerto-Rico",
                "El-Salvador",
                "India",
                "Cuba",
                "England",
                "Jamaica",
                "South",
                "China",
                "Italy",
                "Dominican-Republic",
                "Vietnam",
                "Guatemala",
                "Japan",
                "Poland",
                "Columbia",
                "Taiwan",
                "Haiti",
                "Iran",
                "Portugal",
                "Nicaragua",
                "Peru",
                "France",
                "Greece",
                "Ecuador",
                "Ireland",
                "Hong",
                "Cambodia",
                "Trinadad&Tobago",
                "Laos",
                "Thailand",
                "Yugoslavia",
                "Outlying-US(Guam-USVI-etc)",
                "Honduras",
                "Hungary",
                "Scotland",
                "Holand-Netherlands",
            ],
            [
                89.6,
                2.0,
                1.8,
                0.6,
                0.4,
                0.4,
                0.35,
                0.33,
                0.31,
                0.29,
                0.28,
                0.25,
                0.25,
                0.23,
                0.22,
                0.21,
                0.21,
                0.2,
                0.19,
                0.18,
                0.18,
                0.16,
                0.14,
                0.14,
                0.11,
                0.1,
                0.09,
                0.09,
                0.09,
                0.09,
                0.07,
                0.06,
                0.06,
                0.06,
                0.05,
                0.05,
                0.04,
                0.04,
                0.04,
                0.04,
                0.04,
                0.003,
            ],
        ),
        "income": (["<=50K", ">50K"], [75.9, 24.1]),
    }
    for name, (labels, weights) in spec.items():
        columns[name] = pa.array(_choice(rng, labels, weights, rows), pa.string())
    quasi = ["age", "sex", "race", "marital-status", "education", "native-country", "workclass"]
    coarse = ["sex", "race", "marital-status"]
    return Scenario("adult", pa.table(columns), quasi, ["income", "occupation"], coarse)


def _best(work: Callable[[], T], repeat: int) -> tuple[float, T]:
    best, result = float("inf"), work()  # a first, untimed run: imports and caches
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def _pandas_sizes(frame: Any, quasi: list[str]) -> Any:
    return frame.groupby(quasi, dropna=False, observed=True, sort=False).size()


def measure(scenario: Scenario, repeat: int) -> dict[str, Any]:
    """Time assess (k only), pandas group-by and the full report on one table."""
    from custdata.anonymity import assess

    table, quasi = scenario.table, scenario.quasi
    frame = table.to_pandas(date_as_object=False)
    assess_seconds, report = _best(lambda: assess(table, quasi), repeat)
    pandas_seconds, sizes = _best(lambda: _pandas_sizes(frame, quasi), repeat)
    distribution = sorted((int(s), int(c)) for s, c in sizes.value_counts().items())
    if (report.k, list(report.class_sizes)) != (int(sizes.min()), distribution):
        msg = f"{scenario.name}: assess and pandas disagree on k or the class sizes"
        raise SystemExit(msg)
    full_seconds, full = _best(lambda: assess(table, quasi, sensitive=scenario.sensitive), repeat)
    return {
        "table": scenario.name,
        "rows": table.num_rows,
        "classes": report.classes,
        "k": report.k,
        "assess_s": assess_seconds,
        "pandas_s": pandas_seconds,
        "ratio": pandas_seconds / assess_seconds,
        "full_s": full_seconds,
        "l": [s.distinct_l for s in full.sensitive],
    }


_PYCANON_SCRIPT = """
import json, sys
import pandas as pd
from pycanon import anonymity
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
quasi, sensitive = json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(json.dumps({
    "k": int(anonymity.k_anonymity(frame, quasi)),
    "l": [int(anonymity.l_diversity(frame, quasi, [s])) for s in sensitive],
}))
"""


def pycanon_check(python: str, scenario: Scenario, rows: int, quasi: list[str]) -> str:
    """k and distinct l from pycanon, in its own interpreter, against assess on the same rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from custdata.anonymity import assess

    sample = scenario.table.slice(0, rows)
    # As text, with missing values written as one token: the same classes on both sides.
    text = pa.table(
        {
            name: pc.fill_null(sample.column(name).cast(pa.string()), "<missing>")
            for name in sample.column_names
        }
    )
    report = assess(text, quasi, sensitive=scenario.sensitive)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sample.csv"
        pacsv.write_csv(text, path)
        done = subprocess.run(
            [
                python,
                "-c",
                _PYCANON_SCRIPT,
                str(path),
                json.dumps(quasi),
                json.dumps(scenario.sensitive),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    theirs = json.loads(done.stdout)
    ours = {"k": report.k, "l": [s.distinct_l for s in report.sensitive]}
    verdict = "agree" if ours == theirs else "DISAGREE"
    return (
        f"  {scenario.name:<22} {rows:,} rows, {len(quasi)} quasi-identifiers: "
        f"custdata {ours}, pycanon {theirs}: {verdict}"
    )


_EDUCATION = {
    "Preschool": "Primary",
    "1st-4th": "Primary",
    "5th-6th": "Primary",
    "7th-8th": "Secondary",
    "9th": "Secondary",
    "10th": "Secondary",
    "11th": "Secondary",
    "12th": "Secondary",
    "HS-grad": "Secondary",
    "Some-college": "Undergraduate",
    "Assoc-voc": "Undergraduate",
    "Assoc-acdm": "Undergraduate",
    "Bachelors": "Undergraduate",
    "Masters": "Graduate",
    "Prof-school": "Graduate",
    "Doctorate": "Graduate",
}
_LEVEL = {"Primary": "Lower", "Secondary": "Lower", "Undergraduate": "Higher", "Graduate": "Higher"}
_MARITAL = {
    "Married-civ-spouse": "Spouse present",
    "Married-AF-spouse": "Spouse present",
    "Never-married": "Spouse not present",
    "Divorced": "Spouse not present",
    "Separated": "Spouse not present",
    "Widowed": "Spouse not present",
    "Married-spouse-absent": "Spouse not present",
}
_INCOME = {
    "<20k": "<40k",
    "20-40k": "<40k",
    "40-60k": "40-80k",
    "60-80k": "40-80k",
    "80-100k": "80k+",
    "100k+": "80k+",
}


def search_scenario(name: str, rows: int) -> tuple[Any, list[str], dict[str, Any], str]:
    """A table, its 4 quasi-identifiers, their hierarchies, and the number column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from custdata.anonymity import Hierarchy

    if name == "adult-4":
        table = adult(rows).table
        hierarchies = {
            "age": Hierarchy.numbers(widths=(5, 10, 20)),
            "sex": Hierarchy.from_rows([("Male", "*"), ("Female", "*")]),
            "marital-status": Hierarchy.from_rows([(v, p, "*") for v, p in _MARITAL.items()]),
            "education": Hierarchy.from_rows(
                [(v, p, _LEVEL[p], "*") for v, p in _EDUCATION.items()]
            ),
        }
        return table, list(hierarchies), hierarchies, "age"
    raw = contacts(rows)[0].table
    age = pc.subtract(pa.scalar(2025, pa.int64()), pc.year(raw.column("birth_date")))
    table = pa.table(
        {
            "age": age,
            "postal_code": raw.column("address.postal_code"),
            "gender": raw.column("gender").cast(pa.string()),
            "income_band": raw.column("income_band"),
        }
    )
    hierarchies = {
        "age": Hierarchy.numbers(widths=(5, 10, 20, 40)),
        "postal_code": Hierarchy.postcodes(keep=(4, 3, 2, 1)),
        "gender": Hierarchy.from_rows([(g, "*") for g in ("female", "male", "other")]),
        "income_band": Hierarchy.from_rows([(v, p, "*") for v, p in _INCOME.items()]),
    }
    return table, list(hierarchies), hierarchies, "age"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_one(spec: str) -> None:
    """In a fresh process: one search on one table; print its figures as JSON."""
    from custdata.anonymity import k_anonymise, mondrian

    name, method, rows = spec.split(",")
    table, quasi, hierarchies, number = search_scenario(name, int(rows))
    before = _peak_mb()
    start = time.perf_counter()
    if method == "global":
        release = k_anonymise(table, quasi, hierarchies, k=5, max_suppression=0.02)
    else:
        trees = {column: h for column, h in hierarchies.items() if column != number}
        release = mondrian(table, quasi, trees, k=5, max_suppression=0.02)
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    print(
        json.dumps(
            {
                "table": name,
                "method": method,
                "rows": int(rows),
                "seconds": seconds,
                "peak_mb": peak,
                "search_mb": peak - before,
                "nodes": release.nodes_checked,
                "k": release.report.k,
                "suppressed": release.suppressed,
                "loss": release.information_loss,
                "levels": dict(release.levels),
            }
        )
    )


def search(rows_list: list[int]) -> None:
    """Time the global search and Mondrian on each table and size, each in its own process."""
    print(
        f"{'table':<11} {'method':<9} {'rows':>9} {'time':>8} {'peak RSS':>9} "
        f"{'growth':>8} {'nodes':>7} {'k':>3} {'suppr.':>7}  entropy loss / levels"
    )
    met = True
    for rows in rows_list:
        for name in ("adult-4", "contacts-4"):
            for method in ("global", "mondrian"):
                done = subprocess.run(
                    [sys.executable, __file__, "--one", f"{name},{method},{rows}"],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                r = json.loads(done.stdout.strip().splitlines()[-1])
                print(
                    f"{r['table']:<11} {r['method']:<9} {r['rows']:>9,} {r['seconds']:>7.2f}s "
                    f"{r['peak_mb']:>7.0f}MB {r['search_mb']:>6.0f}MB {r['nodes']:>7,} "
                    f"{r['k']:>3} {r['suppressed']:>7,}  {r['loss']:.4g} {r['levels'] or ''}",
                    flush=True,
                )
                if rows >= 1_000_000:
                    met = met and r["seconds"] < _SEARCH_GOALS[method]
                    met = met and r["peak_mb"] < _MEMORY_GOAL_MB
    verdict = "met" if met else "NOT met"
    print(f"goals (1 000 000 rows: global < 30 s, Mondrian < 60 s, both < 2 GB): {verdict}")


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated table sizes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (best kept)")
    parser.add_argument("--pycanon-python", help="an interpreter with pycanon installed")
    parser.add_argument("--pycanon-rows", type=int, default=20_000)
    parser.add_argument(
        "--parts", default="assess,search", help="assess (the measure), search (the release)"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # TABLE,METHOD,ROWS: one search
    args = parser.parse_args()
    if args.one:
        run_one(args.one)
        return
    parts = set(args.parts.split(","))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if "search" in parts:
        search([int(r) for r in args.rows.split(",")])
    if "assess" not in parts:
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return
    print(
        f"{'table':<22} {'rows':>9} {'classes':>9} {'k':>3} {'assess k':>9} "
        f"{'pandas':>9} {'ratio':>6} {'full':>9}  l"
    )
    results = []
    for rows in (int(r) for r in args.rows.split(",")):
        scenarios = [*contacts(rows), adult(rows)]
        for scenario in scenarios:
            result = measure(scenario, args.repeat)
            results.append(result)
            print(
                f"{result['table']:<22} {result['rows']:>9,} {result['classes']:>9,} "
                f"{result['k']:>3} {result['assess_s']:>8.3f}s {result['pandas_s']:>8.3f}s "
                f"{result['ratio']:>5.2f}x {result['full_s']:>8.3f}s  {result['l']}",
                flush=True,
            )
    met = all(r["ratio"] >= _GOAL for r in results)
    verdict = "met" if met else "NOT met"
    print(f"goal (assess at least as fast as the pandas group-by everywhere): {verdict}")
    if args.pycanon_python:
        print("pycanon cross-check (k, distinct l):")
        for scenario in [*contacts(args.pycanon_rows), adult(args.pycanon_rows)]:
            for quasi in (scenario.quasi, scenario.coarse):
                line = pycanon_check(args.pycanon_python, scenario, args.pycanon_rows, quasi)
                print(line, flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

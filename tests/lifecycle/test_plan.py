"""plan_retention and apply_plan on worked scenarios, on records and on frames."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from tests.lifecycle.records import TODAY, at, consent, contact, feedback, purchase

from custdata import KeyRing, Policy, PolicyError
from custdata.lifecycle import (
    PLAN_COLUMNS,
    Action,
    RetentionRule,
    apply_plan,
    consent_id,
    default_rules,
    plan_retention,
)

RULES = default_rules()


def _scenario() -> dict[str, list[object]]:
    return {
        "contacts": [
            # A prospect who never bought, silent since January 2023.
            contact("P-OLD", created_at=at(2022, 6, 1), last_interaction_at=at(2023, 1, 10)),
            # A prospect who clicked in 2025.
            contact("P-NEW", created_at=at(2021, 1, 1), last_interaction_at=at(2025, 3, 1)),
            # A customer whose relationship ended in May 2022, with an invoice under hold.
            contact("C-HOLD", created_at=at(2019, 1, 1), last_interaction_at=at(2022, 5, 1)),
            # A customer whose only invoice is older than its hold.
            contact("C-GONE", created_at=at(2013, 1, 1), last_interaction_at=at(2014, 6, 1)),
            # A contact without any date.
            contact("X-NODATE"),
        ],
        "purchases": [
            purchase("O-1", "C-HOLD", at(2022, 3, 15)),
            purchase("O-2", "C-HOLD", at(2022, 4, 1), status="cancelled"),
            purchase("O-3", "C-GONE", at(2014, 5, 1)),
        ],
        "feedback": [
            feedback("F-1", "P-NEW", at(2023, 1, 2)),
            feedback("F-2", "P-NEW", at(2026, 1, 2)),
        ],
        "consents": [
            consent("P-OLD", at(2022, 6, 1)),
            consent("P-NEW", at(2021, 1, 1)),
            consent("P-NEW", at(2025, 1, 1), status="withdrawn"),
        ],
    }


def _plan() -> dict[tuple[str, str], tuple[Action, dt.date | None, dt.date | None]]:
    plan = plan_retention(**_scenario(), rules=RULES, today=TODAY)  # type: ignore[arg-type]
    return {(e.record_type, e.record_id): (e.action, e.due, e.until) for e in plan}


class TestScenarios:
    """Each record's action and dates, as docs/lifecycle.md explains them."""

    def test_prospect_who_never_bought(self) -> None:
        """Erased 36 months after the last interaction."""
        assert (Action.ERASE, dt.date(2026, 1, 10), None) == _plan()["contact", "P-OLD"]

    def test_recent_prospect_is_kept_until_its_due_date(self) -> None:
        """A click in 2025 keeps the prospect until 2028."""
        assert (Action.KEEP, None, dt.date(2028, 3, 1)) == _plan()["contact", "P-NEW"]

    def test_customer_identity_held_with_its_invoice(self) -> None:
        """The customer's identity is archived until its invoice's hold ends."""
        assert (Action.ARCHIVE, dt.date(2025, 5, 1), dt.date(2032, 12, 31)) == _plan()[
            "contact", "C-HOLD"
        ]

    def test_invoice_archived_ten_years_from_the_year_close(self) -> None:
        """A completed purchase is held until ten years after its financial year."""
        assert (Action.ARCHIVE, dt.date(2025, 5, 1), dt.date(2032, 12, 31)) == _plan()[
            "purchase", "O-1"
        ]

    def test_cancelled_purchase_follows_its_contact(self) -> None:
        """A purchase without an invoice is erased with its contact."""
        assert (Action.ERASE, dt.date(2025, 5, 1), None) == _plan()["purchase", "O-2"]

    def test_hold_ended(self) -> None:
        """An invoice past its hold and its customer are erased."""
        plan = _plan()
        assert Action.ERASE == plan["purchase", "O-3"][0]
        assert Action.ERASE == plan["contact", "C-GONE"][0]

    def test_no_date_is_kept_for_review(self) -> None:
        """A contact without a date cannot be reckoned: kept, said so."""
        assert (Action.KEEP, None, None) == _plan()["contact", "X-NODATE"]

    def test_feedback(self) -> None:
        """Feedback goes after 36 months even when its contact stays."""
        plan = _plan()
        assert (Action.ERASE, dt.date(2026, 1, 2), None) == plan["feedback", "F-1"]
        assert Action.KEEP == plan["feedback", "F-2"][0]

    def test_consent_proof_outlives_the_contact(self) -> None:
        """The proof of a consent stays five years after its contact's end."""
        key = consent_id("P-OLD", "newsletter", "email", "granted", at(2022, 6, 1))
        assert (Action.KEEP, None, dt.date(2031, 1, 10)) == _plan()["consent", key]

    def test_withdrawal_keeps_a_do_not_contact_entry(self) -> None:
        """An opposition leaves a do-not-contact entry for three years."""
        plan = _plan()
        assert (Action.KEEP, None, dt.date(2028, 1, 1)) == plan[
            "do_not_contact", "P-NEW|newsletter|email"
        ]
        key = consent_id("P-NEW", "newsletter", "email", "granted", at(2021, 1, 1))
        assert (Action.KEEP, None, dt.date(2030, 1, 1)) == plan["consent", key]

    def test_every_record_has_a_reason_and_rule(self) -> None:
        """Every entry names its rule (but the undatable) and gives a reason."""
        plan = plan_retention(**_scenario(), rules=RULES, today=TODAY)  # type: ignore[arg-type]
        assert all(entry.reason for entry in plan)
        assert all(entry.rule for entry in plan)

    def test_fiscal_year_end_is_configurable(self) -> None:
        """With a year closing on March 31, the 2022-03-15 invoice is held until 2032-03-31."""
        rules = default_rules(fiscal_year_end="03-31")
        plan = plan_retention(**_scenario(), rules=rules, today=TODAY)  # type: ignore[arg-type]
        until = {e.record_id: e.until for e in plan if e.record_type == "purchase"}
        assert dt.date(2032, 3, 31) == until["O-1"]

    def test_rules_must_be_a_rule_set(self) -> None:
        """A bad rules argument names the parameter."""
        with pytest.raises(PolicyError, match="rules"):
            plan_retention(contacts=[], rules=[], today=TODAY)  # type: ignore[arg-type]


class TestPlanValue:
    """The plan is a pure value: totals, CSV, JSON, a frame."""

    def test_totals(self) -> None:
        """Totals count each record type's actions."""
        plan = plan_retention(**_scenario(), rules=RULES, today=TODAY)  # type: ignore[arg-type]
        assert {"keep": 2, "archive": 1, "pseudonymise": 0, "erase": 2} == plan.totals()["contact"]
        assert len(plan) == sum(plan.by_action().values())

    def test_csv_and_json(self) -> None:
        """CSV and JSON hold every entry with the plan's columns."""
        plan = plan_retention(**_scenario(), rules=RULES, today=TODAY)  # type: ignore[arg-type]
        rows = list(csv.DictReader(io.StringIO(plan.to_csv())))
        assert list(PLAN_COLUMNS) == list(rows[0])
        assert rows == json.loads(plan.to_json())["entries"]

    def test_arrow(self) -> None:
        """The plan as an Arrow table has one row per entry."""
        pytest.importorskip("pyarrow")
        plan = plan_retention(**_scenario(), rules=RULES, today=TODAY)  # type: ignore[arg-type]
        table = plan.to_arrow()
        assert len(plan) == table.num_rows
        assert plan.column("due") == table.column("due").to_pylist()


class TestFramePath:
    """Arrow tables plan exactly as records do."""

    def test_same_plan(self) -> None:
        """The frame path gives the record path's plan."""
        pytest.importorskip("pyarrow")
        from custdata.frames import to_arrow

        scenario = _scenario()
        frames = {
            "contacts": to_arrow(scenario["contacts"]),
            "purchases": to_arrow(scenario["purchases"]),
            "feedback": to_arrow(scenario["feedback"]),
            "consents": to_arrow(scenario["consents"]),
        }
        expected = plan_retention(**scenario, rules=RULES, today=TODAY)  # type: ignore[arg-type]
        actual = plan_retention(**frames, rules=RULES, today=TODAY)
        assert list(expected.rows()) == list(actual.rows())


class TestFrameColumns:
    """The frame path reads dictionary-encoded columns and Parquet files as written."""

    def test_dictionary_columns(self) -> None:
        """Dictionary-encoded statuses, purposes and channels plan as plain strings do."""
        pytest.importorskip("pyarrow")
        from custdata.frames import to_arrow

        scenario = _scenario()
        frames = {name: to_arrow(values) for name, values in scenario.items()}
        for name, columns in (
            ("purchases", ("status", "contact_id")),
            ("consents", ("status", "channel", "purpose")),
        ):
            table = frames[name]
            for column in columns:
                index = table.column_names.index(column)
                table = table.set_column(index, column, table.column(column).dictionary_encode())
            frames[name] = table
        expected = plan_retention(**scenario, rules=RULES, today=TODAY)  # type: ignore[arg-type]
        actual = plan_retention(**frames, rules=RULES, today=TODAY)
        assert list(expected.rows()) == list(actual.rows())

    def test_records_and_tables_mixed(self) -> None:
        """Contacts as records and the others as tables, or the reverse, plan alike."""
        pytest.importorskip("pyarrow")
        from custdata.frames import to_arrow

        scenario = _scenario()
        expected = plan_retention(**scenario, rules=RULES, today=TODAY)  # type: ignore[arg-type]
        tables = {name: to_arrow(values) for name, values in scenario.items()}
        one = plan_retention(
            contacts=scenario["contacts"],
            purchases=tables["purchases"],
            feedback=tables["feedback"],
            consents=tables["consents"],
            rules=RULES,
            today=TODAY,
        )
        other = plan_retention(
            contacts=tables["contacts"],
            purchases=scenario["purchases"],
            feedback=scenario["feedback"],
            consents=scenario["consents"],
            rules=RULES,
            today=TODAY,
        )
        assert expected == one
        assert expected == other

    def test_parquet_columns_only(self, tmp_path: Path) -> None:
        """Only the columns the rules read, from Parquet files, give the full tables' plan."""
        pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        from custdata.frames import to_arrow

        scenario = _scenario()
        columns = {
            "contacts": ["contact_id", "created_at", "last_interaction_at"],
            "purchases": ["purchase_id", "contact_id", "purchased_at", "status"],
            "feedback": ["feedback_id", "contact_id", "received_at"],
            "consents": ["contact_id", "purpose", "channel", "status", "recorded_at"],
        }
        tables = {}
        for name, values in scenario.items():
            pq.write_table(to_arrow(values), tmp_path / f"{name}.parquet")
            tables[name] = pq.read_table(tmp_path / f"{name}.parquet", columns=columns[name])
        expected = plan_retention(**scenario, rules=RULES, today=TODAY)  # type: ignore[arg-type]
        assert expected == plan_retention(**tables, rules=RULES, today=TODAY)


class TestApplyPlan:
    """apply_plan splits records along the plan, never changing them."""

    def test_split(self) -> None:
        """Kept records are unchanged, archives hold only the held fields, erasures are ids."""
        scenario = _scenario()
        plan = plan_retention(**scenario, rules=RULES, today=TODAY)  # type: ignore[arg-type]
        applied = apply_plan(plan, **scenario, today=TODAY)  # type: ignore[arg-type]
        assert ["P-OLD", "C-GONE"] == applied.erased["contact"]
        held = next(row for row in applied.archived if row["record_id"] == "C-HOLD")
        assert "email" not in held
        assert "phone" not in held
        assert "Martin" == held["family_name"]
        assert scenario["contacts"][1] is applied.kept["contact"][0]
        assert [
            {
                "contact_id": "P-NEW",
                "purpose": "newsletter",
                "channel": "email",
                "until": dt.date(2028, 1, 1),
            }
        ] == applied.do_not_contact
        assert {} == applied.unplanned

    def test_pseudonymise_with_a_named_policy(self) -> None:
        """A pseudonymise rule applies its policy; the rows are flat."""
        rule = RetentionRule(
            name="feedback-pseudonymise",
            record_type="feedback",
            condition="received",
            months=12,
            action="pseudonymise",
            policy="feedback-research",
            source="our own choice",
        )
        rules = default_rules()
        rules = type(rules)(
            rules=[rule, *rules.rules], name="shop", fiscal_year_end=rules.fiscal_year_end
        )
        policy = Policy.loads(
            'name = "feedback-research"\nversion = 1\nrecord_type = "feedback"\n'
            'default = "drop"\n[fields.contact_id]\ntransform = "pseudonymise"\n'
            '[fields.nps]\ntransform = "keep"\n'
        )
        keys = KeyRing.from_mapping({"k1": bytes(range(32))}, active="k1")
        scenario = _scenario()
        plan = plan_retention(**scenario, rules=rules, today=TODAY)  # type: ignore[arg-type]
        applied = apply_plan(
            plan,
            **scenario,
            policies=[policy],
            keys=keys,
            today=TODAY,  # type: ignore[arg-type]
        )
        rows = applied.pseudonymised["feedback"]
        assert 1 == len(rows)
        assert str(rows[0]["contact_id"]).startswith("pse_k1_")
        assert 9 == rows[0]["nps"]

    def test_missing_policy(self) -> None:
        """A pseudonymise entry without its policy is a PolicyError."""
        rule = RetentionRule(
            name="fb",
            record_type="feedback",
            condition="received",
            months=0,
            action="pseudonymise",
            policy="absent",
        )
        rules = type(RULES)(rules=[rule])
        scenario = _scenario()
        plan = plan_retention(**scenario, rules=rules, today=TODAY)  # type: ignore[arg-type]
        with pytest.raises(PolicyError, match="absent"):
            apply_plan(plan, **scenario, today=TODAY)  # type: ignore[arg-type]


class TestFramePathOffsets:
    """Moments with offsets give the same ids and days on both paths."""

    def test_paris_offsets(self) -> None:
        """A consent recorded at 00:30 in Paris is the previous day in UTC, on both paths."""
        pytest.importorskip("pyarrow")
        from custdata.frames import to_arrow

        paris = dt.timezone(dt.timedelta(hours=1))
        moment = dt.datetime(2024, 1, 1, 0, 30, tzinfo=paris)
        records = {
            "contacts": [contact("C-1", created_at=moment)],
            "consents": [consent("C-1", moment, status="withdrawn")],
        }
        frames = {name: to_arrow(values) for name, values in records.items()}
        expected = plan_retention(**records, rules=RULES, today=TODAY)  # type: ignore[arg-type]
        actual = plan_retention(**frames, rules=RULES, today=TODAY)
        assert list(expected.rows()) == list(actual.rows())
        dnc = next(e for e in expected if e.record_type == "do_not_contact")
        assert dt.date(2026, 12, 31) == dnc.until


class TestReturnedPurchase:
    """A returned purchase is an invoice too."""

    def test_returned_is_held(self) -> None:
        """A returned purchase of an ended customer is archived like a completed one."""
        plan = plan_retention(
            contacts=[contact("C-1", last_interaction_at=at(2020, 1, 1))],
            purchases=[
                purchase("O-1", "C-1", at(2020, 1, 1)),
                purchase("O-2", "C-1", at(2020, 1, 2), status="returned"),
            ],
            rules=RULES,
            today=TODAY,
        )
        actions = {e.record_id: (e.action, e.until) for e in plan}
        assert (Action.ARCHIVE, dt.date(2030, 12, 31)) == actions["O-2"]


class TestApplyPlanFrames:
    """apply_plan_frames splits Arrow tables as apply_plan splits records."""

    def test_same_split(self) -> None:
        """Kept rows, erased ids and archived ids agree with the record path."""
        pytest.importorskip("pyarrow")
        from custdata.frames import from_frame, to_arrow
        from custdata.lifecycle import apply_plan_frames

        scenario = _scenario()
        plan = plan_retention(**scenario, rules=RULES, today=TODAY)  # type: ignore[arg-type]
        applied = apply_plan(plan, **scenario, today=TODAY)  # type: ignore[arg-type]
        frames = {name: to_arrow(values) for name, values in scenario.items()}
        split = apply_plan_frames(plan, **frames, today=TODAY)
        assert applied.erased == split.erased
        kept = {
            kind: list(from_frame(table, type(applied.kept[kind][0])).records)
            for kind, table in split.kept.items()
            if table.num_rows
        }
        assert applied.kept == kept
        archived = sorted(row["record_id"] for row in applied.archived)
        assert archived == sorted(
            record_id
            for table in split.archived.values()
            for record_id in table.column("record_id").to_pylist()
        )
        assert "email" not in split.archived["contact"].column_names

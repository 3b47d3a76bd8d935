"""
Golden tests of the three shipped policies on fixed synthetic contacts, and their documented intent.

The expected outputs live in ``golden/builtin_policies.json``: the input contacts
(as flat rows), and for each built-in policy its fingerprint, output columns and
types, every protected row and the run's audit. They were made once by
`regenerate`, with the fixed key ring and ``today`` of `tests.policy.support`.
When a built-in policy or a transform changes on purpose, regenerate them from
the repository root and review the diff::

    PYTHONPATH=src python -m tests.policy.test_builtin_golden

pytest never runs `regenerate`.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import pytest
from tests.policy.support import KEYS, TODAY

from custdata import Category, Contact, Policy
from custdata.model import from_flat, to_flat
from custdata.policy import FieldRule
from custdata.policy._policy import column_categories

GOLDEN: Final = Path(__file__).parent / "golden" / "builtin_policies.json"
SEED: Final = 20_261_224
COUNT: Final = 10
DIRTY: Final = 0.3
DUPLICATES: Final = 0.3


def encode(value: object) -> object:
    """A protected value as exact JSON: dates, date-times and decimals tagged with their type."""
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def generated_inputs() -> tuple[list[dict[str, object]], str]:
    """The fixed synthetic contacts as flat rows, and the Faker version that made them."""
    from custdata.synthetic import generate

    dataset = generate(COUNT, seed=SEED, dirty=DIRTY, duplicates=DUPLICATES, today=TODAY)
    return [to_flat(contact) for contact in dataset.contacts], dataset.manifest.faker_version


def contact_builtins() -> list[str]:
    """The built-in policies of contacts, the record type of the golden inputs."""
    names = Policy.builtin_names()
    return [name for name in names if Policy.builtin(name).record_type == "contact"]


def outputs(name: str, inputs: list[dict[str, object]]) -> dict[str, Any]:
    """What one built-in policy makes of the inputs, as JSON."""
    policy = Policy.builtin(name)
    bound = policy.bind(keys=KEYS, today=TODAY)
    run = bound.apply_many([from_flat(Contact, row) for row in inputs])
    rows = [{key: encode(value) for key, value in row.items()} for row in run]  # type: ignore[union-attr]
    return {
        "fingerprint": policy.fingerprint,
        "output_columns": list(bound.output_columns),
        "output_types": {key: kind.__name__ for key, kind in bound.output_types.items()},
        "rows": rows,
        "audit": run.audit.to_dict(),
    }


def regenerate() -> None:  # pragma: no cover  # run by hand, see the module docstring
    """Write the golden file from the generator and the built-in policies as they are now."""
    inputs, faker_version = generated_inputs()
    document = {
        "faker_version": faker_version,
        "seed": SEED,
        "today": TODAY.isoformat(),
        "key_ids": list(KEYS.ids),
        "inputs": inputs,
        "policies": {name: outputs(name, inputs) for name in contact_builtins()},
    }
    GOLDEN.parent.mkdir(exist_ok=True)
    text = json.dumps(document, indent=1, ensure_ascii=False, sort_keys=False)
    GOLDEN.write_text(text + "\n", encoding="utf-8")


def _golden() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return loaded


class TestGolden:
    """The built-in policies give exactly the stored outputs on the stored contacts."""

    @pytest.mark.parametrize("name", ["partner-share", "analytics", "support-view"])
    def test_outputs(self, name: str) -> None:
        """Rows, columns, types, fingerprint and audit are the stored ones, exactly."""
        golden = _golden()
        assert golden["policies"][name] == outputs(name, golden["inputs"])

    def test_every_builtin_has_golden_outputs(self) -> None:
        """The golden file covers every built-in policy of contacts."""
        assert contact_builtins() == sorted(_golden()["policies"])

    def test_inputs_are_the_generated_ones(self) -> None:
        """The stored inputs are what the generator gives, with the Faker version that made them."""
        golden = _golden()
        inputs, faker_version = generated_inputs()
        if faker_version != golden["faker_version"]:
            pytest.skip(f"the golden inputs were made with Faker {golden['faker_version']}")
        assert golden["inputs"] == inputs

    def test_inputs_cover_the_awkward_cases(self) -> None:
        """The stored inputs hold invalid emails, local phones and empty fields."""
        golden = _golden()
        inputs = golden["inputs"]
        assert any(row["phone"] is None for row in inputs)
        assert any(str(row["phone"]).startswith("0") for row in inputs)
        assert {"email": {"invalid_email": 2}} == golden["policies"]["partner-share"]["audit"][
            "invalid"
        ]

    def test_one_person_one_pseudonym(self) -> None:
        """Two contacts with one email and one phone in two formats get one pseudonym and mask."""
        golden = _golden()
        by_id = {row["contact_id"]: row for row in golden["inputs"]}
        assert by_id["C00000003"]["phone"] != by_id["C00000005"]["phone"]
        rows = golden["policies"]["partner-share"]["rows"]
        first, again = rows[2], rows[4]
        assert (first["email"], first["phone"]) == (again["email"], again["phone"])
        assert first["contact_id"] != again["contact_id"]


def _rules(name: str) -> dict[str, FieldRule | None]:
    return Policy.builtin(name).effective_rules()


CONTACT_CATEGORIES: Final = column_categories(Contact)


class TestPartnerShare:
    """partner-share: what a marketing partner receives, field by field as documented."""

    def test_pseudonyms_in_separate_domains(self) -> None:
        """contact_id and email are pseudonymised, each in its own domain."""
        rules = _rules("partner-share")
        contact_id, email = rules["contact_id"], rules["email"]
        assert contact_id is not None
        assert email is not None
        assert ("pseudonymise", "pseudonymise") == (contact_id.transform, email.transform)
        assert contact_id.params["domain"] != email.params["domain"]

    def test_phone_masked(self) -> None:
        """The phone is masked."""
        phone = _rules("partner-share")["phone"]
        assert phone is not None
        assert "mask_phone" == phone.transform

    @pytest.mark.parametrize(
        "path",
        [
            "given_name",
            "family_name",
            "address.line1",
            "address.line2",
            "address.city",
            "company",
            "job_title",
        ],
    )
    def test_dropped(self, path: str) -> None:
        """Names, street lines, city, company and job title are dropped."""
        assert None is _rules("partner-share")[path]

    def test_generalised(self) -> None:
        """Birth date to a 10-year age band, postal code to its first 2 characters."""
        rules = _rules("partner-share")
        assert FieldRule("age_band", {"width": 10}) == rules["birth_date"]
        assert FieldRule("truncate_postcode", {"keep": 2}) == rules["address.postal_code"]

    def test_columns(self) -> None:
        """Exactly the documented fields are released; gender, source, interests, income kept."""
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        assert (
            "contact_id",
            "email",
            "phone",
            "address.postal_code",
            "birth_date",
            "gender",
            "acquisition_source",
            "interests",
            "income_band",
        ) == bound.output_columns
        rules = _rules("partner-share")
        for path in ("gender", "acquisition_source", "interests", "income_band"):
            assert FieldRule("keep") == rules[path]

    def test_no_direct_identifier_in_clear(self) -> None:
        """No direct identifier is kept as it is."""
        rules = _rules("partner-share")
        for path, category in CONTACT_CATEGORIES.items():
            if category is Category.DIRECT_IDENTIFIER:
                assert rules[path] != FieldRule("keep"), path


class TestAnalytics:
    """analytics: one pseudonymous id, no direct identifier, quasi-identifiers generalised."""

    def test_contact_id_pseudonymised(self) -> None:
        """contact_id is pseudonymised, in another domain than partner-share's."""
        rule = _rules("analytics")["contact_id"]
        shared = _rules("partner-share")["contact_id"]
        assert rule is not None
        assert shared is not None
        assert "pseudonymise" == rule.transform
        assert rule.params["domain"] != shared.params["domain"]

    def test_other_direct_identifiers_dropped(self) -> None:
        """Every direct identifier but contact_id is dropped."""
        rules = _rules("analytics")
        for path, category in CONTACT_CATEGORIES.items():
            if category is Category.DIRECT_IDENTIFIER and path != "contact_id":
                assert None is rules[path], path
        assert None is rules["address.line1"]
        assert None is rules["address.line2"]

    def test_quasi_identifiers_generalised(self) -> None:
        """Birth date, postal code and dates generalised; city, company, job title dropped."""
        rules = _rules("analytics")
        assert FieldRule("age_band", {"width": 10}) == rules["birth_date"]
        assert FieldRule("truncate_postcode", {"keep": 2}) == rules["address.postal_code"]
        for path in ("created_at", "last_interaction_at"):
            assert FieldRule("truncate_date", {"unit": "month"}) == rules[path]
        for path in ("address.city", "company", "job_title"):
            assert None is rules[path]

    def test_quasi_identifiers_kept_as_they_are(self) -> None:
        """The only quasi-identifiers released unchanged are gender, region and country."""
        rules = _rules("analytics")
        kept = {
            path
            for path, category in CONTACT_CATEGORIES.items()
            if category is Category.QUASI_IDENTIFIER and rules[path] == FieldRule("keep")
        }
        assert {"gender", "address.region", "address.country"} == kept

    def test_the_rest_kept(self) -> None:
        """Personal data that identifies no one is kept."""
        rules = _rules("analytics")
        for path in ("preferred_channels", "acquisition_source", "interests", "income_band"):
            assert FieldRule("keep") == rules[path]


class TestSupportView:
    """support-view: what a support agent sees; a supervisor can re-identify."""

    def test_rules(self) -> None:
        """contact_id tokenised, email and phone masked, names kept."""
        rules = _rules("support-view")
        contact_id = rules["contact_id"]
        assert contact_id is not None
        assert "tokenise" == contact_id.transform
        assert FieldRule("mask_email") == rules["email"]
        assert FieldRule("mask_phone", {"keep_last": 2}) == rules["phone"]
        assert FieldRule("keep") == rules["given_name"]
        assert FieldRule("keep") == rules["family_name"]

    def test_nothing_else_identifying(self) -> None:
        """Street lines, postal code and birth date are not shown."""
        rules = _rules("support-view")
        for path in ("address.line1", "address.line2", "address.postal_code", "birth_date"):
            assert None is rules[path]


if __name__ == "__main__":  # pragma: no cover
    regenerate()

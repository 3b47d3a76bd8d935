"""Loading policies: errors name file and field; fingerprints; TOML round trips; nesting."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from tests.policy.strategies import contact_policies
from tests.policy.support import KEYS, TODAY

from custdata import Policy, PolicyError
from custdata.model import flat_columns
from custdata.policy import FieldRule
from custdata.transforms import Pseudonymise

SOURCE = "partner.toml"

HEADER = 'name = "t"\nversion = 1\nrecord_type = "contact"\n'


def _error(text: str, source: str | None = SOURCE) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        Policy.loads(text, source=source)
    return info.value


class TestLoaderErrors:
    """Every problem `Policy.loads` finds is a PolicyError naming the file, field and problem."""

    def test_unknown_top_level_key(self) -> None:
        """An unknown top-level key names the file and the key, and no field."""
        error = _error(HEADER + 'owner = "me"\n')
        assert (SOURCE, None) == (error.source, error.field)
        assert "unknown key 'owner'" in str(error)
        assert str(error).startswith(f"{SOURCE}: ")

    def test_unknown_field_with_suggestion(self) -> None:
        """An unknown field is named, with the closest field of the record type suggested."""
        error = _error(HEADER + '[fields.emial]\ntransform = "mask_email"\n')
        assert (SOURCE, "emial") == (error.source, error.field)
        assert "unknown field for contact (did you mean email?)" in str(error)
        assert str(error).startswith(f"{SOURCE}: field emial: ")

    def test_unknown_field_of_another_record_type(self) -> None:
        """A field of another record type is unknown for this one."""
        error = _error(HEADER + '[fields.purchased_at]\ntransform = "keep"\n')
        assert "purchased_at" == error.field
        assert "unknown field for contact" in error.problem

    def test_unknown_transform(self) -> None:
        """An unknown transform names the field and the transform."""
        error = _error(HEADER + '[fields.email]\ntransform = "pseudonymize"\n')
        assert (SOURCE, "email") == (error.source, error.field)
        assert "unknown transform 'pseudonymize'" in error.problem

    def test_rule_without_transform(self) -> None:
        """A rule table without a transform key names the field."""
        error = _error(HEADER + '[fields.email]\ndomain = "x"\n')
        assert "email" == error.field
        assert "no 'transform'" in error.problem

    def test_unknown_parameter(self) -> None:
        """An unknown parameter names the field, the transform, the parameter and the known ones."""
        error = _error(HEADER + '[fields.email]\ntransform = "pseudonymise"\ndomian = "x"\n')
        assert "email" == error.field
        assert "pseudonymise: unknown parameter 'domian'" in error.problem
        assert "domain" in error.problem

    def test_missing_parameter(self) -> None:
        """A required parameter left out names the field and the parameter."""
        error = _error(HEADER + '[fields.income_band]\ntransform = "top_code"\n')
        assert "income_band" == error.field
        assert "top_code: missing parameter 'threshold'" in error.problem

    def test_bad_parameter_value(self) -> None:
        """A parameter the transform refuses names the field, the class and the parameter."""
        error = _error(
            HEADER + '[fields."address.postal_code"]\ntransform = "truncate_postcode"\nkeep = 0\n'
        )
        assert (SOURCE, "address.postal_code") == (error.source, error.field)
        assert error.problem.startswith("TruncatePostcode: keep ")

    def test_bad_parameter_type(self) -> None:
        """A parameter of the wrong type is refused at load, not at bind."""
        error = _error(HEADER + '[fields.phone]\ntransform = "mask_phone"\nkeep_last = "two"\n')
        assert "phone" == error.field
        assert "MaskPhone: keep_last" in error.problem

    def test_bad_keyed_parameter_checked_without_keys(self) -> None:
        """A keyed transform's parameters are checked at load, with a throwaway key ring."""
        error = _error(HEADER + '[fields.email]\ntransform = "pseudonymise"\nbits = 3\n')
        assert "email" == error.field
        assert "bits" in error.problem

    def test_keys_in_a_policy(self) -> None:
        """A policy never holds keys: a keys parameter is refused, naming the field."""
        error = _error(HEADER + '[fields.email]\ntransform = "pseudonymise"\nkeys = "secret"\n')
        assert "email" == error.field
        assert "keys are not written in a policy" in error.problem
        assert "secret" not in str(error)

    def test_bad_toml(self) -> None:
        """Text that is not TOML names the file and the line."""
        error = _error(HEADER + "[fields.email\n")
        assert (SOURCE, None) == (error.source, error.field)
        assert "not valid TOML" in error.problem
        assert "line 4" in error.problem

    def test_keep_with_parameters(self) -> None:
        """keep and drop take no parameters."""
        error = _error(HEADER + '[fields.gender]\ntransform = "keep"\nwidth = 3\n')
        assert "gender" == error.field
        assert "keep takes no parameters" in error.problem

    def test_nested_spec_error(self) -> None:
        """A problem in a nested spec names the field, the parameter and the inner problem."""
        error = _error(
            HEADER + '[fields.email]\ntransform = "ptest_upper_of"\n'
            '[fields.email.inner]\ntransform = "pseudonymise"\ndomian = "x"\n'
        )
        assert (SOURCE, "email") == (error.source, error.field)
        assert error.problem.startswith(
            "ptest_upper_of: inner: pseudonymise: unknown parameter 'domian'"
        )

    def test_nested_keep_is_refused(self) -> None:
        """A nested spec must name a transform, not keep or drop."""
        error = _error(
            HEADER + '[fields.email]\ntransform = "ptest_upper_of"\n'
            '[fields.email.inner]\ntransform = "keep"\n'
        )
        assert "email" == error.field
        assert "inner must name a value transform, not keep" in error.problem

    def test_row_transform_reads_a_field_the_record_lacks(self) -> None:
        """A row transform whose subject field the record type lacks names the rule's field."""
        text = 'name = "p"\nrecord_type = "purchase"\n[fields.customer_id]\ntransform = "keep"\n'
        assert "customer_id" == _error(text).field
        text = (
            'name = "p"\nrecord_type = "purchase"\n'
            '[fields.purchased_at]\ntransform = "shift_date"\nmax_days = 30\n'
            'subject_field = "customer"\n'
        )
        error = _error(text)
        assert (SOURCE, "purchased_at") == (error.source, error.field)
        assert "reads the field 'customer', which the record type does not have" in error.problem

    def test_protected_row_transform_reads_a_dropped_field(self) -> None:
        """A row transform reading the released value of a dropped field is refused."""
        text = (
            'name = "p"\nrecord_type = "purchase"\n'
            '[fields.purchased_at]\ntransform = "shift_date"\nmax_days = 30\n'
            'subject_field = "contact_id"\n'
        )
        error = _error(text)
        assert (SOURCE, "purchased_at") == (error.source, error.field)
        assert "released value of contact_id, which the policy drops" in error.problem

    def test_cycle_between_row_transforms(self) -> None:
        """Two protected-reading row transforms reading each other are a cycle, named."""
        text = HEADER + (
            '[fields.given_name]\ntransform = "ptest_copy_protected"\nsource = "family_name"\n'
            '[fields.family_name]\ntransform = "ptest_copy_protected"\nsource = "given_name"\n'
        )
        error = _error(text)
        assert SOURCE == error.source
        assert error.field in {"given_name", "family_name"}
        assert "cycle" in error.problem
        assert "given_name" in error.problem
        assert "family_name" in error.problem

    def test_row_transform_reading_itself(self) -> None:
        """A protected-reading row transform reading its own field is a cycle."""
        text = HEADER + (
            '[fields.given_name]\ntransform = "ptest_copy_protected"\nsource = "given_name"\n'
        )
        error = _error(text)
        assert "given_name" == error.field
        assert "cycle (given_name -> given_name)" in error.problem

    def test_input_reader_may_read_a_dropped_field(self) -> None:
        """A row transform reading the input row may read a field the policy drops."""
        text = HEADER + ('[fields.given_name]\ntransform = "ptest_copy_input"\nsource = "email"\n')
        assert None is Policy.loads(text).effective_rules()["email"]

    def test_unknown_nested_field(self) -> None:
        """A misspelt dotted field is suggested its right spelling."""
        error = _error(HEADER + '[fields."address.postcode"]\ntransform = "keep"\n')
        assert "address.postcode" == error.field
        assert "did you mean address.postal_code?" in error.problem

    def test_row_transform_field_must_be_its_own(self) -> None:
        """A row transform's field parameter is the rule's own field."""
        text = (
            'name = "p"\nrecord_type = "purchase"\n'
            '[fields.contact_id]\ntransform = "pseudonymise"\n'
            '[fields.purchased_at]\ntransform = "shift_date"\nmax_days = 30\n'
            'subject_field = "contact_id"\nfield = "status"\n'
        )
        error = _error(text)
        assert "purchased_at" == error.field
        assert "field must be the rule's own field" in error.problem

    @pytest.mark.parametrize(
        ("line", "words"),
        [
            ("version = 0", "version"),
            ('version = "3"', "version"),
            ('default = "hide"', "default"),
            ('reference = "2026-01-01"', "reference"),
            ('record_type = "customer"', "record_type"),
            ('name = ""', "name"),
        ],
    )
    def test_bad_header(self, line: str, words: str) -> None:
        """A bad header value names the file and what is wrong, and no field."""
        values = {"name": '"t"', "version": "1", "record_type": '"contact"'}
        key = line.split(" = ", maxsplit=1)[0]
        values[key] = line.split(" = ")[1]
        text = "".join(f"{k} = {v}\n" for k, v in values.items())
        error = _error(text)
        assert (SOURCE, None) == (error.source, error.field)
        assert words in error.problem

    @pytest.mark.parametrize("missing", ["name", "record_type"])
    def test_missing_header(self, missing: str) -> None:
        """A policy without a name or a record type is refused."""
        lines = [line for line in HEADER.splitlines() if not line.startswith(missing)]
        error = _error("\n".join(lines))
        assert missing in error.problem

    def test_load_names_the_file(self, tmp_path: Path) -> None:
        """Policy.load names the file it read in its errors."""
        path = tmp_path / "bad.toml"
        path.write_text(HEADER + '[fields.emial]\ntransform = "keep"\n', encoding="utf-8")
        with pytest.raises(PolicyError) as info:
            Policy.load(path)
        assert (str(path), "emial") == (info.value.source, info.value.field)
        assert str(info.value).startswith(f"{path}: field emial: ")

    def test_load_missing_file(self, tmp_path: Path) -> None:
        """A missing file is a PolicyError naming it."""
        path = tmp_path / "nope.toml"
        with pytest.raises(PolicyError) as info:
            Policy.load(path)
        assert str(path) == info.value.source
        assert "no such file" in info.value.problem

    def test_load_not_utf8(self, tmp_path: Path) -> None:
        """A file that is not UTF-8 is a PolicyError naming it."""
        path = tmp_path / "latin.toml"
        path.write_bytes(HEADER.encode() + b"# \xe9\n")
        with pytest.raises(PolicyError) as info:
            Policy.load(path)
        assert "not UTF-8" in info.value.problem

    def test_python_form_errors_have_no_source(self) -> None:
        """A policy built in Python names the field, and no file."""
        with pytest.raises(PolicyError) as info:
            Policy(name="t", record_type="contact", fields={"email": "pseudonymize"})
        assert (None, "email") == (info.value.source, info.value.field)

    def test_unknown_builtin(self) -> None:
        """An unknown built-in name lists the known ones."""
        with pytest.raises(PolicyError) as info:
            Policy.builtin("partner")
        assert "partner-share" in str(info.value)


class TestCheckText:
    """Policy.check_text lists every problem, not only the first."""

    def test_lists_every_problem(self) -> None:
        """Three bad rules give three problems, each naming the file and its field."""
        text = HEADER + (
            '[fields.emial]\ntransform = "keep"\n'
            '[fields.phone]\ntransform = "mask_phone"\nkeep_last = 9\n'
            '[fields.gender]\ntransform = "no_such_transform"\n'
            '[fields.birth_date]\ntransform = "age_band"\n'
        )
        problems = Policy.check_text(text, source=SOURCE)
        assert [SOURCE] * 3 == [problem.source for problem in problems]
        assert ["emial", "phone", "gender"] == [problem.field for problem in problems]

    def test_good_policy_has_no_problem(self) -> None:
        """A policy that loads has no problem."""
        text = Policy.builtin("partner-share").to_toml()
        assert [] == Policy.check_text(text, source=SOURCE)

    def test_header_problem(self) -> None:
        """A problem of the policy as a whole is listed alone."""
        problems = Policy.check_text(HEADER + 'default = "hide"\n', source=SOURCE)
        assert [(SOURCE, None)] == [(p.source, p.field) for p in problems]

    def test_bad_toml(self) -> None:
        """Bad TOML is one problem."""
        problems = Policy.check_text("name = ", source=SOURCE)
        assert 1 == len(problems)
        assert "not valid TOML" in problems[0].problem

    def test_row_transform_reading_a_dropped_field(self) -> None:
        """A row transform reading a dropped field is listed; listed fields are not dropped."""
        text = (
            'name = "p"\nrecord_type = "purchase"\n'
            '[fields.contact_id]\ntransform = "drop"\n'
            '[fields.status]\ntransform = "no_such_transform"\n'
            '[fields.purchased_at]\ntransform = "shift_date"\nmax_days = 30\n'
            'subject_field = "contact_id"\n'
        )
        problems = Policy.check_text(text, source=SOURCE)
        assert ["status", "purchased_at"] == [problem.field for problem in problems]
        assert "which the policy drops" in problems[1].problem

    def test_cycle(self) -> None:
        """A cycle, where each rule is fine alone, is listed (not as fields read while dropped)."""
        text = HEADER + (
            '[fields.given_name]\ntransform = "ptest_copy_protected"\nsource = "family_name"\n'
            '[fields.family_name]\ntransform = "ptest_copy_protected"\nsource = "given_name"\n'
        )
        problems = Policy.check_text(text, source=SOURCE)
        assert 1 == len(problems)
        assert "cycle" in problems[0].problem


PARTNER_SHARE_FIELDS: dict[str, Any] = {
    "contact_id": {"transform": "pseudonymise", "domain": "partner-share/contact_id"},
    "email": {"transform": "pseudonymise", "domain": "partner-share/email"},
    "phone": {"transform": "mask_phone", "keep_last": 2},
    "given_name": "drop",
    "family_name": "drop",
    "address.line1": "drop",
    "address.line2": "drop",
    "address.city": "drop",
    "company": "drop",
    "job_title": "drop",
    "birth_date": {"transform": "age_band", "width": 10},
    "address.postal_code": {"transform": "truncate_postcode", "keep": 2},
    "gender": "keep",
    "acquisition_source": "keep",
    "interests": "keep",
    "income_band": "keep",
}


def _contact(fields: dict[str, object], **kwargs: object) -> Policy:
    return Policy(name="t", record_type="contact", fields=fields, **kwargs)  # type: ignore[arg-type]


class TestFingerprint:
    """The fingerprint hashes the canonical form: one per policy, whatever its form."""

    def test_toml_and_python_forms(self) -> None:
        """The shipped TOML partner-share and the same policy in Python have one fingerprint."""
        python = Policy(name="partner-share", record_type="contact", fields=PARTNER_SHARE_FIELDS)
        assert Policy.builtin("partner-share").fingerprint == python.fingerprint

    def test_field_rule_and_mapping_forms(self) -> None:
        """A FieldRule and a mapping with a transform key are the same rule."""
        mapping = _contact({"phone": {"transform": "mask_phone", "keep_last": 3}})
        rule = _contact({"phone": FieldRule("mask_phone", {"keep_last": 3})})
        assert mapping.fingerprint == rule.fingerprint

    def test_format(self) -> None:
        """The fingerprint is sha256: and 64 hexadecimal digits."""
        fingerprint = Policy.builtin("analytics").fingerprint
        assert fingerprint.startswith("sha256:")
        assert 64 == len(fingerprint.removeprefix("sha256:"))
        int(fingerprint.removeprefix("sha256:"), 16)

    def test_canonical_is_json_with_every_column(self) -> None:
        """canonical() is JSON-safe and gives every flat column its rule, defaults filled in."""
        canonical = Policy.builtin("partner-share").canonical()
        assert sorted(flat_columns(Policy.builtin("partner-share").record_class)) == list(
            canonical["fields"]
        )  # keys sorted, as hashed
        assert {"transform": "drop", "params": {}} == canonical["fields"]["address.region"]
        assert {"transform": "mask_phone", "params": {"keep_last": 2, "mask_char": "*"}} == (
            canonical["fields"]["phone"]
        )

    @pytest.mark.parametrize(
        ("left", "right"),
        [
            ({"phone": "mask_phone"}, {"phone": {"transform": "mask_phone", "keep_last": 2}}),
            (
                {"email": "pseudonymise"},
                {"email": {"transform": "pseudonymise", "domain": "email", "bits": 128}},
            ),
            (
                {"phone": "format_preserving"},
                {"phone": {"transform": "format_preserving", "min_length": 6}},
            ),
            ({}, {"email": "drop", "phone": "drop"}),
        ],
        ids=["mask_phone", "pseudonymise-domain", "format_preserving-min_length", "drop"],
    )
    def test_explicit_default_changes_nothing(
        self, left: dict[str, object], right: dict[str, object]
    ) -> None:
        """Writing a default parameter (or a default drop) explicitly keeps the fingerprint."""
        assert _contact(left).fingerprint == _contact(right).fingerprint

    def test_explicit_default_drop(self) -> None:
        """default = "drop" written or not is one fingerprint."""
        assert _contact({}).fingerprint == _contact({}, default="drop").fingerprint

    @pytest.mark.parametrize(
        "other",
        [
            {"fields": {"phone": {"transform": "mask_phone", "keep_last": 3}}},
            {"fields": {"phone": {"transform": "mask_phone", "mask_char": "#"}}},
            {"fields": {"phone": "mask"}},
            {"fields": {"phone": "mask_phone", "email": "keep"}},
            {"version": 2},
            {"name": "other"},
            {"default": "keep"},
            {"default": "by-category"},
            {"reference": dt.date(2026, 1, 1)},
        ],
    )
    def test_any_change_changes_it(self, other: dict[str, object]) -> None:
        """A changed parameter, rule, version, name, default or reference changes it."""
        base: dict[str, object] = {"name": "t", "fields": {"phone": "mask_phone"}}
        changed = {**base, **other}
        assert Policy(record_type="contact", **base).fingerprint != (  # type: ignore[arg-type]
            Policy(record_type="contact", **changed).fingerprint  # type: ignore[arg-type]
        )

    def test_source_is_not_part_of_it(self) -> None:
        """Where a policy comes from is not part of its fingerprint."""
        text = Policy.builtin("analytics").to_toml()
        assert (
            Policy.loads(text, source="a.toml").fingerprint
            == Policy.loads(text, source="b.toml").fingerprint
        )

    def test_canonical_with_computed_default(self) -> None:
        """A default computed from other parameters (FPE min_length) is filled in."""
        canonical = _contact({"phone": "format_preserving"}).canonical()
        assert 6 == canonical["fields"]["phone"]["params"]["min_length"]
        hexadecimal = _contact(
            {"phone": {"transform": "format_preserving", "alphabet": "0123456789abcdef"}}
        )
        assert 5 == hexadecimal.canonical()["fields"]["phone"]["params"]["min_length"]

    def test_canonical_of_a_python_policy(self) -> None:
        """canonical() works on every policy (it failed on its own mapping proxy)."""
        canonical = _contact({"email": "mask_email"}).canonical()
        assert "t" == canonical["name"]
        assert None is canonical["reference"]


class TestCopies:
    """A policy pickles and copies (worker processes get policies), checked again on the way."""

    @pytest.mark.parametrize("name", ["partner-share", "analytics", "support-view"])
    def test_pickle(self, name: str) -> None:
        """A pickled policy comes back equal, with its fingerprint and source."""
        policy = Policy.builtin(name)
        again = pickle.loads(pickle.dumps(policy))  # noqa: S301  # pickled by the test itself
        assert policy == again
        assert (policy.fingerprint, policy.source) == (again.fingerprint, again.source)
        assert policy.effective_rules() == again.effective_rules()

    def test_nested_and_dated(self) -> None:
        """Nested rules and the reference survive a deep copy."""
        policy = _contact(
            {"email": {"transform": "ptest_upper_of", "inner": FieldRule("mask_email")}},
            reference=dt.date(2025, 1, 1),
        )
        again = copy.deepcopy(policy)
        assert policy == again
        assert policy.fingerprint == again.fingerprint

    def test_hash(self) -> None:
        """Equal policies hash alike (by fingerprint): a policy may key a dict or sit in a set."""
        policy = Policy.builtin("analytics")
        again = Policy.loads(policy.to_toml(), source="copy.toml")
        assert policy == again
        assert 1 == len({policy, again, Policy.builtin("analytics")})
        assert 2 == len({policy, Policy.builtin("partner-share")})


class TestToToml:
    """to_toml writes a policy that loads back equal, with the same fingerprint."""

    @pytest.mark.parametrize("name", Policy.builtin_names())
    def test_builtins_round_trip(self, name: str) -> None:
        """Each built-in round-trips through to_toml."""
        policy = Policy.builtin(name)
        again = Policy.loads(policy.to_toml())
        assert policy == again
        assert policy.fingerprint == again.fingerprint

    def test_reference_round_trips(self) -> None:
        """A reference date is written as a TOML date and read back."""
        policy = _contact({"birth_date": "age_band"}, reference=dt.date(2025, 12, 31))
        text = policy.to_toml()
        assert dt.date(2025, 12, 31) == tomllib.loads(text)["reference"]
        assert policy.fingerprint == Policy.loads(text).fingerprint

    def test_nested_round_trips(self) -> None:
        """A nested rule is written as a nested table and read back."""
        policy = _contact(
            {"email": {"transform": "ptest_upper_of", "inner": FieldRule("mask_email")}}
        )
        text = policy.to_toml()
        assert "[fields.email.inner]" in text
        again = Policy.loads(text)
        assert policy.fingerprint == again.fingerprint
        assert FieldRule("mask_email") == again.fields["email"].params["inner"]

    def test_builtins_are_listed(self) -> None:
        """The shipped policies are listed by name."""
        expected = ["analytics", "partner-share", "purchases-analytics", "support-view"]
        assert expected == Policy.builtin_names()


class TestRoundTripProperty:
    """Any policy made of built-in transforms round-trips through TOML."""

    @given(contact_policies())
    def test_to_toml_round_trips(self, policy: Policy) -> None:
        """loads(to_toml()) is the same policy, with the same fingerprint and canonical form."""
        again = Policy.loads(policy.to_toml())
        assert policy == again
        assert policy.fingerprint == again.fingerprint
        assert policy.canonical() == again.canonical()

    @given(contact_policies())
    def test_python_form_of_the_toml(self, policy: Policy) -> None:
        """The Python form built from the TOML tables has the TOML form's fingerprint."""
        document = tomllib.loads(policy.to_toml())
        python = Policy(
            name=document["name"],
            record_type=document["record_type"],
            fields=document.get("fields", {}),
            version=document["version"],
            default=document["default"],
            reference=document.get("reference"),
        )
        assert policy.fingerprint == python.fingerprint


class TestNesting:
    """A transform whose parameter is a transform takes a nested spec, built with the keys."""

    TEXT = HEADER + (
        '[fields.email]\ntransform = "ptest_upper_of"\n'
        '[fields.email.inner]\ntransform = "pseudonymise"\ndomain = "nested"\n'
    )

    def test_built_with_the_policy_keys(self) -> None:
        """The nested pseudonymise uses the keys given to bind, then the outer transform."""
        bound = Policy.loads(self.TEXT, source=SOURCE).bind(keys=KEYS, today=TODAY)
        row = bound.apply({"contact_id": "C1", "email": "Jeanne.Martin@Example.com"})
        expected = Pseudonymise(keys=KEYS, domain="nested")("jeanne.martin@example.com")
        assert str(expected).upper() == row["email"]

    def test_nested_keyed_needs_keys_at_bind(self) -> None:
        """A nested keyed transform makes the rule keyed: binding without keys fails, naming it."""
        policy = Policy.loads(self.TEXT, source=SOURCE)
        with pytest.raises(PolicyError) as info:
            policy.bind(today=TODAY)
        assert (SOURCE, "email") == (info.value.source, info.value.field)
        assert "needs keys" in info.value.problem

    def test_nested_key_id_in_audit(self) -> None:
        """The key of a nested keyed transform is recorded in the audit."""
        bound = Policy.loads(self.TEXT).bind(keys=KEYS, today=TODAY)
        run = bound.apply_many([{"contact_id": "C1", "email": "a@example.com"}])
        list(run)
        assert ("test-1",) == run.audit.key_ids

    def test_nested_default_domain(self) -> None:
        """A nested keyed transform without a domain gets the field's path and the parameter."""
        policy = _contact(
            {"email": {"transform": "ptest_upper_of", "inner": {"transform": "pseudonymise"}}}
        )
        inner = policy.canonical()["fields"]["email"]["params"]["inner"]
        assert "email.inner" == inner["params"]["domain"]

    def test_python_and_toml_forms(self) -> None:
        """The nested Python form (a FieldRule parameter) has the TOML form's fingerprint."""
        python = _contact(
            {
                "email": FieldRule(
                    "ptest_upper_of", {"inner": FieldRule("pseudonymise", {"domain": "nested"})}
                )
            }
        )
        assert Policy.loads(self.TEXT).fingerprint == python.fingerprint

    def test_describe(self) -> None:
        """describe() shows the nested rule."""
        described = dict(Policy.loads(self.TEXT).describe())
        assert described["email"].startswith("ptest_upper_of (inner=pseudonymise(")
        assert "dropped" == described["phone"]


class TestTyping:
    """The documented Python form of a policy type-checks."""

    @pytest.mark.slow
    def test_python_form_type_checks(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """fields takes FieldRules, tables and names under mypy --strict; rules come back typed."""
        api = pytest.importorskip("mypy.api")
        import custdata

        snippet = tmp_path / "snippet.py"
        snippet.write_text(
            "from custdata import Policy\n"
            "from custdata.policy import FieldRule\n"
            "policy = Policy(\n"
            '    name="t",\n'
            '    record_type="contact",\n'
            "    fields={\n"
            '        "email": {"transform": "pseudonymise", "domain": "email"},\n'
            '        "phone": "mask_phone",\n'
            '        "birth_date": FieldRule("age_band", {"width": 10}),\n'
            "    },\n"
            ")\n"
            'rule: FieldRule = policy.fields["email"]\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("MYPYPATH", str(Path(custdata.__file__).parents[1]))
        out, err, status = api.run(
            [
                "--strict",
                "--follow-imports=silent",
                "--no-incremental",
                "--cache-dir",
                str(tmp_path / "cache"),
                str(snippet),
            ]
        )
        assert (0, "") == (status, err), out

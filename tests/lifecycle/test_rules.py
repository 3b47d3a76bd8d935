"""Retention rules: checked when built or loaded, in Python and TOML."""

from __future__ import annotations

import datetime as dt

import pytest

from custdata import PolicyError
from custdata.lifecycle import (
    Action,
    Condition,
    RetentionRule,
    RetentionRules,
    add_months,
    default_rules,
)

_TOML = """
name = "shop"
version = 2
fiscal_year_end = "03-31"

[[rules]]
name = "prospects"
record_type = "contact"
condition = "prospect_inactive"
months = 24
action = "erase"
source = "our own choice"

[[rules]]
name = "invoices"
record_type = "purchase"
condition = "invoice"
months = 120
action = "archive"
legal_reason = "Code de commerce L123-22"
"""


class TestRetentionRule:
    """A rule checks its parameters when built."""

    def test_condition_must_suit_the_record_type(self) -> None:
        """A purchase condition on a contact is refused, naming the parameter."""
        with pytest.raises(PolicyError, match="RetentionRule 'x': condition"):
            RetentionRule(
                name="x", record_type="contact", condition="invoice", months=1, action="erase"
            )

    def test_unknown_action(self) -> None:
        """An unknown action is refused, naming the parameter."""
        with pytest.raises(PolicyError, match="action must be one of"):
            RetentionRule(
                name="x", record_type="feedback", condition="received", months=1, action="burn"
            )

    def test_pseudonymise_needs_a_policy(self) -> None:
        """Action pseudonymise without a policy is refused."""
        with pytest.raises(PolicyError, match="policy is required"):
            RetentionRule(
                name="x",
                record_type="feedback",
                condition="received",
                months=1,
                action="pseudonymise",
            )

    def test_archive_needs_a_legal_reason(self) -> None:
        """An archive without a legal reason is refused."""
        with pytest.raises(PolicyError, match="legal_reason"):
            RetentionRule(
                name="x", record_type="purchase", condition="invoice", months=1, action="archive"
            )

    def test_negative_months(self) -> None:
        """A negative period is refused."""
        with pytest.raises(PolicyError, match="months"):
            RetentionRule(
                name="x", record_type="feedback", condition="received", months=-1, action="erase"
            )

    def test_duplicate_names(self) -> None:
        """Two rules of one name are refused."""
        rule = RetentionRule(
            name="x", record_type="feedback", condition="received", months=1, action="erase"
        )
        with pytest.raises(PolicyError, match="appears twice"):
            RetentionRules(rules=[rule, rule])


class TestToml:
    """Rule sets load from TOML as strictly as policies."""

    def test_loads(self) -> None:
        """A TOML rule set gives its rules and its financial year."""
        rules = RetentionRules.loads(_TOML)
        assert ("shop", 2, "03-31") == (rules.name, rules.version, rules.fiscal_year_end)
        assert [Condition.PROSPECT_INACTIVE, Condition.INVOICE] == [
            rule.condition for rule in rules.rules
        ]

    def test_round_trip(self) -> None:
        """to_toml reads back equal, the default rules included."""
        rules = default_rules()
        assert rules == RetentionRules.loads(rules.to_toml())

    def test_unknown_key_names_the_rule_and_file(self) -> None:
        """A misspelt key is refused with the file and the rule."""
        text = _TOML.replace("months = 24", "monhts = 24")
        with pytest.raises(PolicyError, match=r"rules\.toml.*rule prospects: unknown key 'monhts'"):
            RetentionRules.loads(text, source="rules.toml")

    def test_bad_toml(self) -> None:
        """Text that is not TOML is a PolicyError."""
        with pytest.raises(PolicyError, match="not valid TOML"):
            RetentionRules.loads("[[rules]")

    def test_bad_fiscal_year_end(self) -> None:
        """A financial year closing on 02-30 is refused."""
        with pytest.raises(PolicyError, match="fiscal_year_end"):
            RetentionRules.loads(_TOML.replace("03-31", "02-30"))


class TestDates:
    """Calendar arithmetic of the rules."""

    def test_add_months_clamps(self) -> None:
        """A month without the day ends on its last day."""
        assert dt.date(2025, 2, 28) == add_months(dt.date(2024, 2, 29), 12)

    def test_fiscal_year_close(self) -> None:
        """The close is the year's end day on or after the day."""
        rules = default_rules(fiscal_year_end="03-31")
        assert dt.date(2025, 3, 31) == rules.fiscal_year_close(dt.date(2025, 3, 31))
        assert dt.date(2026, 3, 31) == rules.fiscal_year_close(dt.date(2025, 4, 1))


class TestDefaultRules:
    """The default rule set says where each period comes from."""

    def test_every_rule_has_a_source(self) -> None:
        """Each default rule names its source."""
        assert all(rule.source for rule in default_rules().rules)

    def test_marked_as_a_starting_point(self) -> None:
        """The rule set says it is not legal advice."""
        assert "not legal advice" in default_rules().note

    def test_periods(self) -> None:
        """Prospects and customers 36 months, invoices 10 years, consents 5, oppositions 3."""
        months = {rule.name: (rule.months, rule.action) for rule in default_rules().rules}
        assert (36, Action.ERASE) == months["prospect-36-months"]
        assert (120, Action.ARCHIVE) == months["invoice-10-years"]
        assert (60, Action.ERASE) == months["consent-proof-5-years"]
        assert (36, Action.ERASE) == months["opposition-3-years"]

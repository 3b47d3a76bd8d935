"""Retention rules: per record type, a condition on what the records say and an action."""

from __future__ import annotations

import datetime as dt
import enum
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from custdata.errors import PolicyError

__all__ = [
    "CONDITIONS",
    "RECORD_TYPES",
    "Action",
    "Condition",
    "RetentionRule",
    "RetentionRules",
    "add_months",
    "default_rules",
]


class Action(enum.StrEnum):
    """What the host does with a record once its rule falls due."""

    KEEP = "keep"
    ARCHIVE = "archive"
    PSEUDONYMISE = "pseudonymise"
    ERASE = "erase"


class Condition(enum.StrEnum):
    """
    When a rule falls due, read from the records themselves.

    - ``prospect_inactive`` (contact without a completed purchase): ``months``
      after the later of ``created_at`` and ``last_interaction_at``.
    - ``customer_inactive`` (contact with a completed purchase): ``months``
      after the end of the commercial relationship, the later of the last
      completed purchase and ``last_interaction_at``.
    - ``invoice`` (completed or returned purchase): held ``months`` from the
      close of the financial year of the purchase, once its contact's rule
      fell due.
    - ``with_contact`` (any other purchase): due when its contact's rule is.
    - ``received`` (feedback): ``months`` after ``received_at``, or when its
      contact's rule falls due if that is earlier.
    - ``consent_life`` (consent event): ``months`` after the end of the
      consent, its withdrawal or its contact's rule falling due.
    - ``opposition`` (do-not-contact entry): ``months`` after the last
      withdrawal of a purpose on a channel.
    """

    PROSPECT_INACTIVE = "prospect_inactive"
    CUSTOMER_INACTIVE = "customer_inactive"
    INVOICE = "invoice"
    WITH_CONTACT = "with_contact"
    RECEIVED = "received"
    CONSENT_LIFE = "consent_life"
    OPPOSITION = "opposition"


RECORD_TYPES: Final = ("contact", "purchase", "feedback", "consent", "do_not_contact")
"""The record types a plan speaks of; ``do_not_contact`` is the minimal opposition entry."""

CONDITIONS: Final[Mapping[str, frozenset[Condition]]] = {
    "contact": frozenset({Condition.PROSPECT_INACTIVE, Condition.CUSTOMER_INACTIVE}),
    "purchase": frozenset({Condition.INVOICE, Condition.WITH_CONTACT}),
    "feedback": frozenset({Condition.RECEIVED}),
    "consent": frozenset({Condition.CONSENT_LIFE}),
    "do_not_contact": frozenset({Condition.OPPOSITION}),
}
"""The conditions each record type accepts."""

_RULE_KEYS: Final = frozenset(
    {"name", "record_type", "condition", "months", "action", "policy", "source", "legal_reason"}
)
_TOP_KEYS: Final = frozenset({"name", "version", "fiscal_year_end", "note", "rules"})


def add_months(day: dt.date, months: int) -> dt.date:
    """
    Return ``day`` moved by ``months`` calendar months, clamped to the month's last day.

    Args:
        day: The start.
        months: How many months (may be negative).

    Returns:
        The date: 2024-02-29 plus 12 months is 2025-02-28.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    msg = "unreachable"  # pragma: no cover
    raise AssertionError(msg)  # pragma: no cover


def _clamped(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, _days_in(year, month)))


def _days_in(year: int, month: int) -> int:
    first_next = add_months(dt.date(year, month, 1), 1)
    return (first_next - dt.timedelta(days=1)).day


def _name(instance: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        msg = f"{type(instance).__name__}: {attribute.name} must be a non-empty string"
        raise PolicyError(msg)


def _condition(value: object) -> Condition:
    result: Condition = _enum(Condition, value, "condition")
    return result


def _action(value: object) -> Action:
    result: Action = _enum(Action, value, "action")
    return result


def _enum(kind: type[enum.StrEnum], value: object, parameter: str) -> Any:
    try:
        if not isinstance(value, str):
            raise ValueError  # noqa: TRY004, TRY301  # the same message as an unknown name
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        msg = f"RetentionRule: {parameter} must be one of {allowed}"
        raise PolicyError(msg) from None


@attrs.frozen(kw_only=True)
class RetentionRule:
    """
    One retention rule: for a record type, a condition, a period and an action.

    Args:
        name: The rule's name, quoted by every plan entry it decides.
        record_type: ``contact``, ``purchase``, ``feedback``, ``consent`` or
            ``do_not_contact``.
        condition: When the rule falls due (see `Condition`); it must suit
            the record type.
        months: The period, in calendar months (0 or more).
        action: What to do once due (see `Action`); an ``invoice`` rule
            archives, an ``opposition`` rule erases.
        policy: The named policy a ``pseudonymise`` rule applies (required
            for it, refused for the others).
        source: Where the period comes from (a text, a reference), or why it
            is the rule set's own choice.
        legal_reason: Why records are archived (an ``archive`` rule needs one).

    Raises:
        PolicyError: Naming the class and the parameter that is wrong.
    """

    name: str = attrs.field(validator=_name)
    record_type: str = attrs.field()
    condition: Condition = attrs.field(converter=_condition)
    months: int = attrs.field()
    action: Action = attrs.field(converter=_action)
    policy: str | None = attrs.field(default=None)
    source: str = attrs.field(default="")
    legal_reason: str | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        where = f"RetentionRule {self.name!r}"
        if self.record_type not in CONDITIONS:
            msg = f"{where}: record_type must be one of {', '.join(RECORD_TYPES)}"
            raise PolicyError(msg)
        if self.condition not in CONDITIONS[self.record_type]:
            allowed = ", ".join(sorted(CONDITIONS[self.record_type]))
            msg = f"{where}: condition for a {self.record_type} must be one of {allowed}"
            raise PolicyError(msg)
        if isinstance(self.months, bool) or not isinstance(self.months, int) or self.months < 0:
            msg = f"{where}: months must be an integer, 0 or more"
            raise PolicyError(msg)
        if (self.action is Action.PSEUDONYMISE) != (self.policy is not None):
            msg = f"{where}: policy is required by action 'pseudonymise' and only by it"
            raise PolicyError(msg)
        if self.policy is not None and not self.policy.strip():
            msg = f"{where}: policy must be a non-empty string"
            raise PolicyError(msg)
        if self.action is Action.ARCHIVE and not self.legal_reason:
            msg = f"{where}: action 'archive' needs a legal_reason"
            raise PolicyError(msg)
        if self.condition is Condition.INVOICE and self.action is not Action.ARCHIVE:
            msg = f"{where}: condition 'invoice' holds records: its action must be 'archive'"
            raise PolicyError(msg)
        if self.action is Action.ARCHIVE and self.condition is not Condition.INVOICE:
            msg = f"{where}: action 'archive' is for condition 'invoice' only"
            raise PolicyError(msg)
        if self.condition is Condition.OPPOSITION and self.action is not Action.ERASE:
            msg = f"{where}: condition 'opposition' keeps the entry, then erases it: action 'erase'"
            raise PolicyError(msg)
        source: object = self.source
        if not isinstance(source, str):
            msg = f"{where}: source must be a string"
            raise PolicyError(msg)


def _rule_tuple(rules: Iterable[RetentionRule]) -> tuple[RetentionRule, ...]:
    return tuple(rules)


def _fiscal_year_end(value: object) -> str:
    if not isinstance(value, str):
        msg = "RetentionRules: fiscal_year_end must be a string MM-DD"
        raise PolicyError(msg)
    try:
        dt.date(2001, int(value[:2]), int(value[3:]))
    except ValueError:
        msg = "RetentionRules: fiscal_year_end must be a day of the year, MM-DD"
        raise PolicyError(msg) from None
    if len(value) != 5 or value[2] != "-":  # the length of MM-DD
        msg = "RetentionRules: fiscal_year_end must be a string MM-DD"
        raise PolicyError(msg)
    return value


@attrs.frozen(kw_only=True)
class RetentionRules:
    """
    A named rule set: the rules, tried in order, and the close of the financial year.

    For each record, the first rule of its record type whose condition fits
    it decides; a record no rule fits is kept, and the plan says so.

    Args:
        rules: The rules.
        name: The rule set's name.
        version: Its version, a positive integer.
        fiscal_year_end: The last day of the financial year, ``MM-DD``
            (``12-31`` by default): invoice holds run from the close of the
            year of the purchase.
        note: What the rule set is (the default one says it is a starting
            point, not legal advice).

    Raises:
        PolicyError: For a bad parameter or two rules of the same name.
    """

    rules: tuple[RetentionRule, ...] = attrs.field(converter=_rule_tuple)
    name: str = attrs.field(default="retention", validator=_name)
    version: int = attrs.field(default=1)
    fiscal_year_end: str = attrs.field(default="12-31", converter=_fiscal_year_end)
    note: str = attrs.field(default="")

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for rule in self.rules:
            given: object = rule
            if not isinstance(given, RetentionRule):
                msg = "RetentionRules: rules must be RetentionRule objects"
                raise PolicyError(msg)
            if rule.name in seen:
                msg = f"RetentionRules: rules: the name {rule.name!r} appears twice"
                raise PolicyError(msg)
            seen.add(rule.name)
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            msg = "RetentionRules: version must be a positive integer"
            raise PolicyError(msg)

    def for_type(self, record_type: str) -> tuple[RetentionRule, ...]:
        """
        Return the rules of one record type, in order.

        Args:
            record_type: A record type of `RECORD_TYPES`.

        Returns:
            Its rules.
        """
        return tuple(rule for rule in self.rules if rule.record_type == record_type)

    def first(self, record_type: str, condition: Condition) -> RetentionRule | None:
        """
        Return the first rule of a record type with a condition, if any.

        Args:
            record_type: The record type.
            condition: The condition.

        Returns:
            The rule, or ``None``.
        """
        for rule in self.rules:
            if rule.record_type == record_type and rule.condition is condition:
                return rule
        return None

    def fiscal_year_close(self, day: dt.date) -> dt.date:
        """
        Return the last day of the financial year that holds ``day``.

        Args:
            day: A day.

        Returns:
            The close of its financial year.
        """
        month, last = int(self.fiscal_year_end[:2]), int(self.fiscal_year_end[3:])
        close = _clamped(day.year, month, last)
        if day > close:
            close = _clamped(day.year + 1, month, last)
        return close

    @classmethod
    def loads(cls, text: str, *, source: str | None = None) -> RetentionRules:
        """
        Read a rule set from TOML text, as strictly as policies are read.

        Args:
            text: The TOML document (top level ``name``, ``version``,
                ``fiscal_year_end``, ``note``; one ``[[rules]]`` table per rule).
            source: The file name, for the messages.

        Returns:
            The rule set.

        Raises:
            PolicyError: For bad TOML, an unknown key, or a bad rule; the
                message names the file and the rule.
        """
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exception:
            raise PolicyError(f"not valid TOML ({exception})", source=source) from None
        unknown = sorted(set(document) - _TOP_KEYS)
        if unknown:
            raise PolicyError(f"unknown key {unknown[0]!r}", source=source)
        tables = document.get("rules", [])
        if not isinstance(tables, list) or not tables:
            msg = "needs at least one [[rules]] table"
            raise PolicyError(msg, source=source)
        rules = []
        for index, table in enumerate(tables):
            label = table.get("name", f"#{index + 1}") if isinstance(table, dict) else index
            if not isinstance(table, dict):
                raise PolicyError(f"rule {label}: must be a table", source=source)
            unknown = sorted(set(table) - _RULE_KEYS)
            if unknown:
                raise PolicyError(f"rule {label}: unknown key {unknown[0]!r}", source=source)
            missing = sorted({"name", "record_type", "condition", "months", "action"} - set(table))
            if missing:
                raise PolicyError(f"rule {label}: missing key {missing[0]!r}", source=source)
            try:
                rules.append(RetentionRule(**table))
            except PolicyError as error:
                raise PolicyError(error.problem, source=source) from None
        try:
            return cls(
                rules=rules,
                name=document.get("name", "retention"),
                version=document.get("version", 1),
                fiscal_year_end=document.get("fiscal_year_end", "12-31"),
                note=document.get("note", ""),
            )
        except PolicyError as error:
            raise PolicyError(error.problem, source=source) from None

    @classmethod
    def load(cls, path: str | Path) -> RetentionRules:
        """
        Read a rule set from a TOML file.

        Args:
            path: The file.

        Returns:
            The rule set.

        Raises:
            PolicyError: If the file cannot be read or holds a bad rule set.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exception:
            raise PolicyError(
                f"cannot read the file ({type(exception).__name__})", source=path.name
            ) from None
        return cls.loads(text, source=path.name)

    def to_toml(self) -> str:
        """
        Write the rule set as TOML that `loads` reads back equal.

        Returns:
            The TOML text.
        """
        lines = [
            f"name = {_quote(self.name)}",
            f"version = {self.version}",
            f"fiscal_year_end = {_quote(self.fiscal_year_end)}",
            f"note = {_quote(self.note)}",
        ]
        for rule in self.rules:
            lines += ["", "[[rules]]"]
            lines += [
                f"name = {_quote(rule.name)}",
                f"record_type = {_quote(rule.record_type)}",
                f"condition = {_quote(rule.condition.value)}",
                f"months = {rule.months}",
                f"action = {_quote(rule.action.value)}",
            ]
            if rule.policy is not None:
                lines.append(f"policy = {_quote(rule.policy)}")
            if rule.legal_reason is not None:
                lines.append(f"legal_reason = {_quote(rule.legal_reason)}")
            lines.append(f"source = {_quote(rule.source)}")
        return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


_CNIL: Final = (
    "CNIL, référentiel relatif aux traitements de données à caractère personnel mis en "
    "œuvre aux fins de gestion des activités commerciales (2024)"
)


def default_rules(
    *, fiscal_year_end: str = "12-31", extra: Iterable[RetentionRule] = ()
) -> RetentionRules:
    """
    Return the documented default rule set, modelled on the CNIL's guidance for customer files.

    A starting point, not legal advice: each rule names its source, and the
    feedback period is the project's own choice. See docs/lifecycle.md.

    Args:
        fiscal_year_end: The last day of the financial year, ``MM-DD``.
        extra: Rules tried after the default ones.

    Returns:
        The rule set.
    """
    rules = (
        RetentionRule(
            name="prospect-36-months",
            record_type="contact",
            condition=Condition.PROSPECT_INACTIVE,
            months=36,
            action=Action.ERASE,
            source=f"{_CNIL}: a prospect's data, 3 years after its collection or the "
            "prospect's last contact",
        ),
        RetentionRule(
            name="customer-36-months",
            record_type="contact",
            condition=Condition.CUSTOMER_INACTIVE,
            months=36,
            action=Action.ERASE,
            source=f"{_CNIL}: a customer's data, 3 years after the end of the commercial "
            "relationship",
        ),
        RetentionRule(
            name="invoice-10-years",
            record_type="purchase",
            condition=Condition.INVOICE,
            months=120,
            action=Action.ARCHIVE,
            legal_reason="accounting documents: Code de commerce, article L123-22 (10 years)",
            source="Code de commerce, article L123-22: accounting documents and vouchers, 10 years",
        ),
        RetentionRule(
            name="purchase-with-contact",
            record_type="purchase",
            condition=Condition.WITH_CONTACT,
            months=0,
            action=Action.ERASE,
            source=f"{_CNIL}: data of an order without an invoice follows the customer's",
        ),
        RetentionRule(
            name="feedback-36-months",
            record_type="feedback",
            condition=Condition.RECEIVED,
            months=36,
            action=Action.ERASE,
            source="the project's own choice (no source sets a period for feedback): "
            "3 years, as for prospects, or sooner with the contact",
        ),
        RetentionRule(
            name="consent-proof-5-years",
            record_type="consent",
            condition=Condition.CONSENT_LIFE,
            months=60,
            action=Action.ERASE,
            source="Code civil, article 2224 (5-year limitation): the proof of consent, for "
            f"the life of the consent plus 5 years; {_CNIL}",
        ),
        RetentionRule(
            name="opposition-3-years",
            record_type="do_not_contact",
            condition=Condition.OPPOSITION,
            months=36,
            action=Action.ERASE,
            source=f"{_CNIL}: the data needed to honour an opposition, at least 3 years",
        ),
        *extra,
    )
    return RetentionRules(
        rules=rules,
        name="custdata-default",
        version=1,
        fiscal_year_end=fiscal_year_end,
        note="A starting point modelled on the CNIL's guidance for customer and prospect "
        "files, not legal advice: check each period with your counsel.",
    )

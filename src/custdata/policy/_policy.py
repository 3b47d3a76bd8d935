"""`Policy`: per field, how records of one type are protected for one use (private module)."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import importlib.resources
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from custdata._text import has_surrogates
from custdata.errors import PolicyError
from custdata.keys import KeyRing
from custdata.model import RECORD_TYPES, Category, flat_columns
from custdata.model._codec import flat_specs
from custdata.policy._rules import (
    DROP,
    KEEP,
    FieldRule,
    Resolved,
    canonical_rule,
    canonical_value,
    check_rule,
)

if TYPE_CHECKING:
    from custdata.keys import KeyRing as _KeyRing
    from custdata.model import Record
    from custdata.policy._bound import BoundPolicy

__all__ = ["DEFAULTS", "Policy", "by_category", "column_categories"]

DEFAULTS: Final = ("drop", "keep", "by-category")
"""What a policy does with the fields it does not list: ``drop`` is the default."""

_TOP_KEYS: Final = ("name", "version", "record_type", "default", "reference", "fields")

# A quasi-identifier with a generaliser under by-category; the others are dropped.
_GENERALISERS: Final[Mapping[str, FieldRule]] = MappingProxyType(
    {
        "birth_date": FieldRule("age_band", {"width": 10}),
        "address.postal_code": FieldRule("truncate_postcode", {"keep": 2}),
        "purchased_at": FieldRule("truncate_date", {"unit": "month"}),
    }
)

_BUILTIN_PACKAGE: Final = "custdata.policy"
_BUILTIN_DIRECTORY: Final = "builtin"

# The dates rules are checked with when the policy gives none (any date would do).
_PLACEHOLDER_DATE: Final = dt.date(2000, 1, 1)


def by_category(record_type: str | type) -> dict[str, FieldRule]:
    """
    The rule ``default = "by-category"`` gives each field of a record type.

    Direct identifiers are pseudonymised (the domain is the dotted path); a
    quasi-identifier is generalised where custdata has a generaliser for it
    (birth date to a 10-year age band, postal code to 2 characters, purchase
    date to its month) and dropped where none fits (city, company...);
    special-category and other personal data are dropped; data that is not
    personal is kept. docs/policies.md has the table.

    Args:
        record_type: ``"contact"``, ``"purchase"``, ``"consent"`` or ``"feedback"``,
            or the record class.

    Returns:
        A rule per flat column, in column order.

    Raises:
        custdata.PolicyError: For an unknown record type.
    """
    cls = _record_class(record_type, source=None)
    rules: dict[str, FieldRule] = {}
    for path, category in column_categories(cls).items():
        if category is Category.DIRECT_IDENTIFIER:
            rules[path] = FieldRule("pseudonymise", {"domain": path})
        elif category is Category.QUASI_IDENTIFIER:
            rules[path] = _GENERALISERS.get(path, FieldRule(DROP))
        elif category is Category.NOT_PERSONAL:
            rules[path] = FieldRule(KEEP)
        else:
            rules[path] = FieldRule(DROP)
    return rules


def column_categories(record_class: type) -> dict[str, Category]:
    """
    The category of each flat column (`custdata.model.flat_columns`) of a record class.

    Unlike `custdata.model.categories`, a list of records (a purchase's lines)
    is one column, with the category of the list field.

    Args:
        record_class: A record class.

    Returns:
        The category per column, in column order.
    """
    return {path: spec.category for path, spec in flat_specs(record_class).items()}


def _record_class(record_type: object, *, source: str | None) -> type[Record]:
    if isinstance(record_type, type):
        for cls in RECORD_TYPES.values():
            if record_type is cls:
                return cls
    elif isinstance(record_type, str) and record_type in RECORD_TYPES:
        return RECORD_TYPES[record_type]
    names = ", ".join(RECORD_TYPES)
    msg = f"record_type must be one of {names}"
    raise PolicyError(msg, source=source)


def _record_type_name(record_type: object, source: str | None) -> str:
    cls = _record_class(record_type, source=source)
    return next(name for name, known in RECORD_TYPES.items() if known is cls)


RuleSpec = FieldRule | Mapping[str, object] | str
"""A rule as a Python policy gives it: a `FieldRule`, a table with a ``transform`` key, a name."""


def _rule_specs(fields: Mapping[str, RuleSpec]) -> Mapping[str, FieldRule]:
    # Typing only: the rules are read and checked after init, so that errors name the field.
    return cast("Mapping[str, FieldRule]", fields)


@attrs.frozen(kw_only=True, eq=False)
class _Checked:
    """What loading found: the resolved rule of every flat column, dropped ones included."""

    rules: Mapping[str, Resolved]
    fingerprint: str
    canonical: str  # the canonical JSON text the fingerprint hashes


@attrs.frozen(kw_only=True, hash=False)
class Policy:
    """
    How each field of one record type is protected for one use, checked when built.

    A policy names, per field (a dotted path such as ``address.postal_code``),
    a registered transform and its parameters, or ``keep`` or ``drop``; the
    fields it does not list follow ``default``. Everything is checked when the
    policy is built or loaded, before any row is read: unknown keys, record
    types, fields, transforms and parameters, each transform's own checks
    (keyed transforms are built with a throwaway key ring), the fields a row
    transform reads, and cycles between row transforms. `bind` then builds
    every transform with the real keys.

    Example:
        >>> from custdata import Policy
        >>> policy = Policy(
        ...     name="partner-share",
        ...     record_type="contact",
        ...     fields={
        ...         "email": {"transform": "pseudonymise", "domain": "email"},
        ...         "address.postal_code": {"transform": "truncate_postcode", "keep": 2},
        ...     },
        ... )
        >>> policy.effective_rules()["phone"] is None  # unlisted fields are dropped
        True

    Args:
        name: What the policy is for (``"partner-share"``).
        record_type: ``"contact"``, ``"purchase"``, ``"consent"`` or ``"feedback"``
            (or the record class).
        fields: A rule per dotted field: a `FieldRule`, a mapping with a
            ``transform`` key and the parameters beside it, or a bare name
            (``"keep"``, ``"drop"``, ``"mask_phone"``).
        version: A whole number from 1, raised by whoever edits the policy.
        default: What unlisted fields become: ``"drop"`` (the default: privacy
            by default), ``"keep"``, or ``"by-category"`` (see `by_category`).
        reference: The date dated rules use (an age band of birth dates); when
            ``None``, the ``today`` given to `bind`.
        source: Where the policy comes from (a file, a built-in name), named
            in errors; not part of the policy.

    Raises:
        custdata.PolicyError: For the first problem found, naming the source and
            the field (`check` lists them all).
    """

    name: str
    record_type: str
    fields: Mapping[str, FieldRule] = attrs.field(factory=dict, converter=_rule_specs)
    version: int = 1
    default: str = "drop"
    reference: dt.date | None = None
    source: str | None = attrs.field(default=None, eq=False, repr=False)
    _checked: _Checked = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        problem = _problem(self)
        if problem is not None:
            raise problem

    # --- loading -------------------------------------------------------------------

    @classmethod
    def loads(cls, text: str, *, source: str | None = None) -> Policy:
        """
        Read a policy from TOML text.

        Args:
            text: The TOML document (see docs/policies.md for its layout).
            source: The name errors give the document (a file name).

        Returns:
            The checked policy.

        Raises:
            custdata.PolicyError: For bad TOML or any problem of the policy.
        """
        return cls(**_toml_arguments(text, source))

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        """
        Read a policy from a TOML file.

        Args:
            path: The file.

        Returns:
            The checked policy.

        Raises:
            custdata.PolicyError: If the file cannot be read, is not UTF-8 TOML,
                or the policy has a problem; the message names the file.
        """
        source = str(path)
        return cls.loads(_read_text(Path(path), source), source=source)

    @classmethod
    def builtin(cls, name: str) -> Policy:
        """
        One of the policies shipped with custdata, by name.

        Args:
            name: ``"partner-share"``, ``"analytics"`` or ``"support-view"``
                (`builtin_names`); docs/policies.md describes each field.

        Returns:
            The policy.

        Raises:
            custdata.PolicyError: If there is no built-in policy of that name.
        """
        if name not in cls.builtin_names():
            known = ", ".join(cls.builtin_names())
            msg = f"no built-in policy named {name[:64]!r} (built-in: {known})"
            raise PolicyError(msg)
        text = _builtin_files()[name].read_text(encoding="utf-8")
        return cls.loads(text, source=name)

    @staticmethod
    def builtin_names() -> list[str]:
        """
        The names of the built-in policies.

        Returns:
            The names, sorted.
        """
        return sorted(_builtin_files())

    @classmethod
    def check_text(cls, text: str, *, source: str | None = None) -> list[PolicyError]:
        """
        Every problem of a TOML policy, not only the first (``custdata policy check``).

        Args:
            text: The TOML document.
            source: The name errors give the document.

        Returns:
            The problems, each a `custdata.PolicyError` naming source and field;
            empty when the policy loads.
        """
        try:
            arguments = _toml_arguments(text, source)
        except PolicyError as error:
            return [error]
        try:
            cls(**arguments)
        except PolicyError as whole:
            # Each rule alone is fine when what fails is between rules (a cycle).
            return _problems_of_arguments(arguments) or [whole]
        return []

    # --- what it says --------------------------------------------------------------

    @property
    def record_class(self) -> type[Record]:
        """The record class of `record_type`, such as `custdata.Contact`."""
        return RECORD_TYPES[self.record_type]

    @property
    def fingerprint(self) -> str:
        """
        ``"sha256:"`` and the SHA-256 of the canonical JSON form (`canonical`), in hex.

        The same for the TOML and Python forms of one policy; any change of a
        rule, a parameter (defaults included), the version or the default
        changes it. Every audit records it.
        """
        return self._checked.fingerprint

    def canonical(self) -> dict[str, Any]:
        """
        The canonical form the fingerprint hashes.

        Every flat column of the record type has its effective rule (``drop``
        for dropped fields) with every parameter, defaults filled in; dates
        are ISO strings. It is hashed as JSON with sorted keys, no spaces and
        UTF-8 text.

        Returns:
            A JSON-safe dict (a copy).
        """
        copied: dict[str, Any] = json.loads(self._checked.canonical)
        return copied

    def effective_rules(self) -> dict[str, FieldRule | None]:
        """
        What each flat column of the record type becomes, ``None`` when it is dropped.

        Returns:
            A rule per column, in column order, defaults applied.
        """
        return {
            path: None if resolved.rule.transform == DROP else resolved.rule
            for path, resolved in self._checked.rules.items()
        }

    def describe(self) -> list[tuple[str, str]]:
        """
        Each field and, in words, what it becomes (``custdata policy show``).

        Returns:
            ``(dotted field, description)`` per flat column, in column order.
        """
        out: list[tuple[str, str]] = []
        for path, resolved in self._checked.rules.items():
            out.append((path, _describe(resolved, self.reference)))
        return out

    def to_toml(self) -> str:
        """
        The policy as TOML; `loads` reads it back with the same fingerprint.

        Returns:
            The TOML document.
        """
        import tomli_w

        document: dict[str, object] = {
            "name": self.name,
            "version": self.version,
            "record_type": self.record_type,
            "default": self.default,
        }
        if self.reference is not None:
            document["reference"] = self.reference
        document["fields"] = {path: rule.to_spec() for path, rule in self.fields.items()}
        return tomli_w.dumps(document)

    def resolved(self) -> Mapping[str, Resolved]:
        """The resolved rule of every flat column (for `BoundPolicy`)."""
        return self._checked.rules

    def __hash__(self) -> int:
        # Equal policies have one fingerprint; the rules' parameter tables are not hashable.
        return hash(self._checked.fingerprint)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled as its arguments (its checked state holds mapping proxies), checked again
        # when unpickled: worker processes get the policy, never a key.
        arguments = {
            "name": self.name,
            "record_type": self.record_type,
            "fields": dict(self.fields),
            "version": self.version,
            "default": self.default,
            "reference": self.reference,
            "source": self.source,
        }
        return (_unpickle, (arguments,))

    # --- binding -------------------------------------------------------------------

    def bind(
        self,
        *,
        keys: _KeyRing | None = None,
        today: dt.date | None = None,
        region: str = "FR",
        normalise: bool = True,
        reject_invalid: bool = False,
        validate: bool = True,
        names: Mapping[str, object] | None = None,
    ) -> BoundPolicy:
        """
        Build every transform with the real keys: a `BoundPolicy`, ready to apply.

        Args:
            keys: The key ring of keyed transforms (pseudonyms, tokens, shifts);
                required when the policy has one.
            today: The current date: the reference of dated rules when the
                policy gives none, and of the birth date checks of validation.
                custdata never reads the clock.
            region: The country assumed when a record does not say (phones,
                postal codes), as in `custdata.validate`.
            normalise: Normalise records before protecting them (the same email
                in two spellings gives one pseudonym); ``False`` protects values
                as given.
            reject_invalid: Reject a row with a value that fails validation
                instead of protecting it as given (it is counted either way).
            validate: Validate each record, counting its invalid values in the
                audit (and listing them in its reject, if it has one).
                ``False`` skips validation altogether, for data validated
                upstream: it needs ``normalise=False`` and
                ``reject_invalid=False``, and the audit then says
                ``validated: false`` and counts no invalid value. A typed frame
                is then protected without building records
                (`custdata.frames.apply_frame`).
            names: Contact id -> that person's names (a full name, or given
                and family names), for the free-text scrubbers
                (``scrub_text``, ``keyed_scrub_text``): each row's comment is
                also scrubbed of the names of the contact in its
                ``contact_id``, so the policy never needs the names in the
                record itself (docs/transforms.md, section ScrubText).

        Returns:
            The bound policy: immutable, safe to share between threads.

        Raises:
            custdata.PolicyError: If a keyed transform has no key ring, a dated
                rule has no date, or a parameter is refused.
            custdata.KeyRingError: If the key ring cannot derive a key.
            TypeError: If ``keys`` is not a `custdata.KeyRing`, ``today`` not a
                date, or ``names`` not a mapping.
            ValueError: If ``validate`` is ``False`` with ``normalise`` or ``reject_invalid``.
        """
        from custdata.policy._bound import BoundPolicy

        return BoundPolicy(
            policy=self,
            keys=keys,
            today=today,
            region=region,
            normalise=normalise,
            reject_invalid=reject_invalid,
            validate=validate,
            names=names,
        )


def _unpickle(arguments: dict[str, Any]) -> Policy:
    return Policy(**arguments)


def _describe(resolved: Resolved, reference: dt.date | None) -> str:
    rule = resolved.rule
    if rule.transform == DROP:
        return "dropped"
    if rule.transform == KEEP:
        return "kept"
    parts = [f"{key}={_shown(value)}" for key, value in rule.params.items()]
    if resolved.dated:
        parts.append(f"reference={reference.isoformat() if reference else 'today'}")
    if resolved.keyed:
        parts.append("keyed")
    return rule.transform + (f" ({', '.join(parts)})" if parts else "")


def _shown(value: object) -> str:
    if isinstance(value, FieldRule):
        inner = ", ".join(f"{k}={_shown(v)}" for k, v in value.params.items())
        return f"{value.transform}({inner})"
    if isinstance(value, Mapping) and any(isinstance(v, FieldRule) for v in value.values()):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(canonical_value(value), ensure_ascii=False)


def _builtin_files() -> dict[str, Any]:
    folder = importlib.resources.files(_BUILTIN_PACKAGE).joinpath(_BUILTIN_DIRECTORY)
    return {
        entry.name.removesuffix(".toml"): entry
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def _read_text(path: Path, source: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        msg = "no such file"
        raise PolicyError(msg, source=source) from None
    except IsADirectoryError:
        msg = "is a directory, not a policy file"
        raise PolicyError(msg, source=source) from None
    except OSError as error:
        raise PolicyError(f"cannot be read ({error.strerror})", source=source) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        msg = "is not UTF-8 text"
        raise PolicyError(msg, source=source) from None


def _toml_arguments(text: str, source: str | None) -> dict[str, Any]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message names the line and column, not the text.
        raise PolicyError(f"not valid TOML: {error}", source=source) from None
    unknown = [key for key in document if key not in _TOP_KEYS]
    if unknown:
        msg = f"unknown key {unknown[0][:64]!r} (a policy has {', '.join(_TOP_KEYS)})"
        raise PolicyError(msg, source=source)
    if "name" not in document:
        msg = "the policy has no name"
        raise PolicyError(msg, source=source)
    if "record_type" not in document:
        msg = "the policy has no record_type"
        raise PolicyError(msg, source=source)
    fields = document.get("fields", {})
    if not isinstance(fields, dict):
        msg = "fields must be a table of [fields.NAME] tables"
        raise PolicyError(msg, source=source)
    return {**document, "fields": fields, "source": source}


def _problems_of_arguments(arguments: Mapping[str, Any]) -> list[PolicyError]:
    """Every problem of a policy's arguments: the policy's own, then each rule's."""
    shell = {**arguments, "fields": {}}
    try:
        policy = Policy(**shell)
    except PolicyError as error:
        return [error]
    problems: list[PolicyError] = []
    fields = arguments.get("fields") or {}
    # Each rule is checked with the other fields it may read released as the
    # policy says (kept, or dropped when the policy drops them), not dropped by default.
    columns = set(flat_columns(policy.record_class))
    others = {path: _placeholder(spec) for path, spec in fields.items() if path in columns}
    for path, spec in fields.items():
        try:
            Policy(**{**shell, "fields": {**others, path: spec}})
        except PolicyError as error:
            problems.append(error)
    return problems


def _placeholder(spec: object) -> FieldRule:
    """What another field is while one rule is checked alone: dropped if the policy drops it."""
    try:
        dropped = FieldRule.from_spec(spec).transform == DROP
    except PolicyError:
        dropped = False
    return FieldRule(DROP if dropped else KEEP)


def _problem(policy: Policy) -> PolicyError | None:  # noqa: PLR0911  # one return per kind of problem
    """Check a policy: its first problem, or ``None`` once its rules and fingerprint are set."""
    source = policy.source
    try:
        _check_header(policy)
    except PolicyError as error:
        return error
    record_type = _record_type_name(policy.record_type, source)
    object.__setattr__(policy, "record_type", record_type)
    columns = flat_columns(RECORD_TYPES[record_type])
    given = policy.fields
    if not isinstance(cast(object, given), Mapping):
        msg = "fields must be a mapping of dotted field to rule"
        return PolicyError(msg, source=source)
    rules: dict[str, FieldRule] = {}
    for path, spec in given.items():
        if not isinstance(path, str) or path not in columns:
            return _unknown_field(path, record_type, columns, source)
        try:
            rules[path] = FieldRule.from_spec(spec)
        except PolicyError as error:
            return PolicyError(error.problem, source=source, field=path)
    object.__setattr__(policy, "fields", MappingProxyType(rules))
    defaults = by_category(record_type) if policy.default == "by-category" else {}
    placeholder = KeyRing.generate(key_id="check")
    reference = policy.reference or _PLACEHOLDER_DATE
    resolved: dict[str, Resolved] = {}
    for path in columns:
        rule = rules.get(path)
        if rule is None:
            rule = defaults.get(path) or FieldRule(KEEP if policy.default == KEEP else DROP)
        try:
            resolved[path] = check_rule(
                rule, path, placeholder_keys=placeholder, placeholder_date=reference
            )
        except PolicyError as error:
            return PolicyError(error.problem, source=source, field=path)
    problem = _check_row_transforms(resolved, columns)
    if problem is not None:
        path, message = problem
        return PolicyError(message, source=source, field=path)
    # Rules keep the parameters the policy filled in (domains, fields).
    object.__setattr__(
        policy,
        "fields",
        MappingProxyType({path: resolved[path].rule for path in rules}),
    )
    canonical = {
        "name": policy.name,
        "version": policy.version,
        "record_type": record_type,
        "default": policy.default,
        "reference": None if policy.reference is None else policy.reference.isoformat(),
        "fields": {path: canonical_rule(resolved[path]) for path in columns},
    }
    try:
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):  # pragma: no cover  # canonical_value made it JSON-safe
        return PolicyError("the policy cannot be written as JSON", source=source)
    fingerprint = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    object.__setattr__(
        policy,
        "_checked",
        _Checked(
            rules=MappingProxyType(resolved),
            fingerprint=fingerprint,
            canonical=text,
        ),
    )
    return None


def _check_header(policy: Policy) -> None:
    source = policy.source
    name = policy.name
    if not isinstance(name, str) or not name.strip() or has_surrogates(name) or len(name) > 200:
        msg = "name must be a non-empty string of text"
        raise PolicyError(msg, source=source)
    version = policy.version
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        msg = "version must be a whole number from 1"
        raise PolicyError(msg, source=source)
    if policy.default not in DEFAULTS:
        msg = f"default must be one of {', '.join(DEFAULTS)}"
        raise PolicyError(msg, source=source)
    reference = policy.reference
    if reference is not None and (
        not isinstance(reference, dt.date) or isinstance(reference, dt.datetime)
    ):
        msg = "reference must be a date (YYYY-MM-DD)"
        raise PolicyError(msg, source=source)
    _record_class(policy.record_type, source=source)


def _unknown_field(
    path: object, record_type: str, columns: list[str], source: str | None
) -> PolicyError:
    shown = str(path)[:64]
    close = difflib.get_close_matches(shown, columns, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return PolicyError(f"unknown field for {record_type}{hint}", source=source, field=shown)


def _check_row_transforms(
    resolved: Mapping[str, Resolved], columns: list[str]
) -> tuple[str, str] | None:
    """The first problem of the row transforms: a field they read, or a cycle."""
    for path, rule in resolved.items():
        for needed in rule.requires:
            if needed not in columns:
                return path, (
                    f"{rule.rule.transform} reads the field {needed[:64]!r}, "
                    "which the record type does not have"
                )
            if rule.reads == "protected" and resolved[needed].rule.transform == DROP:
                return path, (
                    f"{rule.rule.transform} reads the released value of {needed}, "
                    "which the policy drops"
                )
    # Cycles: a protected-reading row transform waits for the rules of what it reads.
    state: dict[str, int] = {}

    def visit(path: str, trail: list[str]) -> list[str] | None:
        state[path] = 1
        rule = resolved[path]
        if rule.is_row and rule.reads == "protected":
            for needed in rule.requires:
                if state.get(needed) == 1:
                    return [*trail, path, needed]
                if needed not in state:
                    found = visit(needed, [*trail, path])
                    if found is not None:
                        return found
        state[path] = 2
        return None

    for path in columns:
        if path not in state:
            cycle = visit(path, [])
            if cycle is not None:
                start = cycle.index(cycle[-1])
                loop = " -> ".join(cycle[start:])
                return cycle[-1], f"row transforms read each other in a cycle ({loop})"
    return None

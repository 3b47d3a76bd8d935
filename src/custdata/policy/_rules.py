"""
Field rules: a transform and its parameters, checked and built through the registry (private).

A rule is the registry name of a transform and its parameters, or one of the
two rules that are not transforms: ``keep`` (the value as it is, normalised)
and ``drop`` (the field is not released). A parameter whose value is itself a
rule (a table with a ``transform`` key in TOML) is a nested transform, built
with the same keys; so is each value of a parameter that is a table of rules
(``[fields.comment.replace.email]``: the transform of ``email`` in the
``replace`` table of the ``comment`` rule).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from custdata.errors import PolicyError
from custdata.keys import KeyRing
from custdata.transforms import base

__all__ = [
    "DROP",
    "KEEP",
    "FieldRule",
    "Resolved",
    "build",
    "canonical_rule",
    "canonical_value",
    "check_rule",
    "rule_order",
]

KEEP: Final = "keep"
"""The rule that releases a field as it is (normalised, unless normalising is off)."""
DROP: Final = "drop"
"""The rule that does not release a field."""

_PLAIN: Final = (KEEP, DROP)

# The parameters a policy never gives: the key ring comes from bind().
_KEYS: Final = "keys"


def _params(value: Mapping[str, object]) -> dict[str, object]:
    return dict(value)


@attrs.frozen
class FieldRule:
    """
    How one field is protected: a transform's registry name and its parameters.

    Example:
        >>> FieldRule("truncate_postcode", {"keep": 2})
        FieldRule(transform='truncate_postcode', params={'keep': 2})

    Args:
        transform: A registered transform's name (`custdata.transforms.names`),
            or ``"keep"`` or ``"drop"``.
        params: The transform's parameters, without ``keys`` (they come from
            `custdata.Policy.bind`). A parameter that is itself a transform is a
            nested `FieldRule` (or a mapping with a ``transform`` key), and so is
            each value of a parameter that is a mapping of names to rules.
    """

    transform: str
    params: Mapping[str, object] = attrs.field(factory=dict, converter=_params)

    @classmethod
    def from_spec(cls, spec: object) -> FieldRule:
        """
        Read a rule as TOML and Python policies write it.

        Args:
            spec: A `FieldRule`, a name (``"keep"``, ``"mask_phone"``), or a
                mapping with a ``transform`` key and the parameters beside it.

        Returns:
            The rule; nested specs become nested rules.

        Raises:
            custdata.PolicyError: If the spec is none of those.
        """
        if isinstance(spec, FieldRule):
            return FieldRule(spec.transform, {k: _nested(v) for k, v in spec.params.items()})
        if isinstance(spec, str):
            return FieldRule(spec)
        if not isinstance(spec, Mapping):
            msg = "a rule must be a table with a 'transform' key, or a transform name"
            raise PolicyError(msg)
        name = spec.get("transform")
        if not isinstance(name, str) or not name:
            msg = "the rule has no 'transform' (a transform name, or keep or drop)"
            raise PolicyError(msg)
        params = {str(key): _nested(value) for key, value in spec.items() if key != "transform"}
        return FieldRule(name, params)

    def to_spec(self) -> dict[str, object]:
        """
        The rule as a TOML table: ``transform`` first, then the parameters.

        Returns:
            A dict of plain values; nested rules are nested dicts.
        """
        out: dict[str, object] = {"transform": self.transform}
        for key, value in self.params.items():
            out[key] = value.to_spec() if isinstance(value, FieldRule) else _plain(value)
        return out


def _is_spec(value: object) -> bool:
    return isinstance(value, FieldRule) or (isinstance(value, Mapping) and "transform" in value)


def _nested(value: object) -> object:
    if _is_spec(value):
        return FieldRule.from_spec(value)
    if isinstance(value, Mapping) and value and all(_is_spec(inner) for inner in value.values()):
        return {str(name): FieldRule.from_spec(inner) for name, inner in value.items()}
    return value


def _plain(value: object) -> object:
    if isinstance(value, FieldRule):
        return value.to_spec()
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


@attrs.frozen
class Resolved:
    """
    A rule checked against the registry: the class, the full parameters, what it needs.

    Attributes:
        rule: The rule, with the parameters the policy fills in (``domain`` of a
            keyed transform defaults to the field's dotted path, ``field`` of a
            row transform is the field itself).
        cls: The transform class, or ``None`` for keep and drop.
        is_row: Whether it is a `custdata.transforms.RowTransform`.
        keyed: Whether it (or a nested transform) takes a key ring.
        dated: Whether it needs a reference date it was not given (filled in
            from the policy's ``reference`` or the ``today`` of bind).
        requires: The other fields a row transform reads.
        reads: ``"input"`` or ``"protected"`` for a row transform.
        nested: The resolved nested rules, by parameter name: one rule, or a
            mapping of names to rules for a parameter that is a table of rules.
        computed: The defaults computed from the other parameters (a
            ``min_length`` that depends on the ``alphabet``), as the checked
            build filled them in, by parameter name.
    """

    rule: FieldRule
    cls: type | None
    is_row: bool = False
    keyed: bool = False
    dated: bool = False
    requires: tuple[str, ...] = ()
    reads: str = "input"
    nested: Mapping[str, Resolved | Mapping[str, Resolved]] = attrs.field(
        factory=lambda: MappingProxyType({})
    )
    computed: Mapping[str, object] = attrs.field(factory=lambda: MappingProxyType({}))


def _init_fields(cls: type) -> dict[str, attrs.Attribute[Any]]:
    return {field.alias: field for field in attrs.fields(cls) if field.init}


def check_rule(
    rule: FieldRule, path: str, *, placeholder_keys: KeyRing, placeholder_date: dt.date
) -> Resolved:
    """
    Check one rule: the transform exists and every parameter is known and valid.

    The transform is built once, with a throwaway key ring when it takes one,
    so that each of its own checks runs before any row is read.

    Args:
        rule: The rule as written.
        path: The field's dotted path (the default domain of keyed transforms).
        placeholder_keys: The throwaway key ring keyed transforms are built with.
        placeholder_date: The reference date a dated transform is built with.

    Returns:
        The resolved rule.

    Raises:
        custdata.PolicyError: Naming the transform and the problem (the caller
            adds the file and field).
    """
    if rule.transform in _PLAIN:
        if rule.params:
            msg = f"{rule.transform} takes no parameters"
            raise PolicyError(msg)
        return Resolved(rule=rule, cls=None)
    cls = base.get(rule.transform)
    fields = _init_fields(cls)
    params = dict(rule.params)
    name = rule.transform
    if _KEYS in params:
        msg = f"{name}: keys are not written in a policy: they are given to bind()"
        raise PolicyError(msg)
    unknown = sorted(set(params) - set(fields))
    if unknown:
        known = ", ".join(sorted(set(fields) - {_KEYS})) or "none"
        msg = f"{name}: unknown parameter {unknown[0][:64]!r} (its parameters: {known})"
        raise PolicyError(msg)
    keyed = _KEYS in fields
    is_row = base._is_row_transform(cls)
    # A keyed transform's domain defaults to the field's path; a keyed row transform's to
    # the fields it reads (set once they are known, below), so that every date of one
    # subject moves by one offset and intervals between a subject's fields survive.
    default_domain = keyed and "domain" in fields and "domain" not in params
    if default_domain:
        params["domain"] = path
    if is_row and "field" in fields:
        given = params.setdefault("field", path)
        if given != path:
            msg = f"{name}: field must be the rule's own field, {path}"
            raise PolicyError(msg)
    missing = [
        alias
        for alias, field in fields.items()
        if alias != _KEYS and alias not in params and field.default is attrs.NOTHING
    ]
    if missing:
        msg = f"{name}: missing parameter {missing[0]!r}"
        raise PolicyError(msg)
    nested, inner_keyed = _resolve_nested(
        name, params, path, placeholder_keys=placeholder_keys, placeholder_date=placeholder_date
    )
    # Nested rules keep what the policy filled in (a nested keyed transform's domain).
    for key, inner in nested.items():
        params[key] = (
            inner.rule
            if isinstance(inner, Resolved)
            else {sub: one.rule for sub, one in inner.items()}
        )
    resolved = Resolved(
        rule=FieldRule(name, params),
        cls=cls,
        is_row=is_row,
        keyed=keyed or inner_keyed,
        nested=MappingProxyType(nested),
    )
    transform, dated = _build_checked(resolved, placeholder_keys, placeholder_date)
    requires: tuple[str, ...] = ()
    reads = "input"
    if is_row:
        requires = tuple(transform.requires)
        reads = base.row_reads(transform)
        if default_domain and requires:
            params["domain"] = ",".join(requires)
            resolved = attrs.evolve(resolved, rule=FieldRule(name, params))
            transform, dated = _build_checked(resolved, placeholder_keys, placeholder_date)
    computed = {
        alias: getattr(transform, field.name)
        for alias, field in fields.items()
        if alias not in params
        and getattr(field.default, "takes_self", False)  # an attrs.Factory(..., takes_self=True)
    }
    return attrs.evolve(
        resolved,
        dated=dated,
        requires=requires,
        reads=reads,
        computed=MappingProxyType(computed),
    )


def _resolve_nested(
    name: str,
    params: Mapping[str, object],
    path: str,
    *,
    placeholder_keys: KeyRing,
    placeholder_date: dt.date,
) -> tuple[dict[str, Resolved | Mapping[str, Resolved]], bool]:
    """Check the parameters of a rule that are rules, or tables of rules; say if one is keyed."""
    nested: dict[str, Resolved | Mapping[str, Resolved]] = {}
    inner_keyed = False

    def inner(rule: FieldRule, where: str) -> Resolved:
        try:
            done = check_rule(
                rule,
                f"{path}.{where}",
                placeholder_keys=placeholder_keys,
                placeholder_date=placeholder_date,
            )
        except PolicyError as error:
            raise PolicyError(f"{name}: {where}: {error.problem}") from None
        if done.cls is None or done.is_row:
            msg = f"{name}: {where} must name a value transform, not {rule.transform}"
            raise PolicyError(msg)
        return done

    for key, value in params.items():
        if isinstance(value, FieldRule):
            nested[key] = one = inner(value, key)
            inner_keyed = inner_keyed or one.keyed
        elif (
            isinstance(value, Mapping)
            and value
            and all(isinstance(item, FieldRule) for item in value.values())
        ):
            table = {sub: inner(item, f"{key}.{sub}") for sub, item in value.items()}
            nested[key] = MappingProxyType(table)
            inner_keyed = inner_keyed or any(one.keyed for one in table.values())
    return nested, inner_keyed


def _build_checked(resolved: Resolved, keys: KeyRing, reference: dt.date) -> tuple[Any, bool]:
    """Build a resolved rule's transform to run its checks; say whether it needs a date."""
    try:
        return build(resolved, keys=keys, reference=None), False
    except PolicyError as first:
        if not _takes_reference(resolved):
            raise PolicyError(first.problem) from None
    # A transform with a reference date it was not given (an age band of birth
    # dates) gets the policy's reference, or bind()'s today.
    return build(resolved, keys=keys, reference=reference), True


def _takes_reference(resolved: Resolved) -> bool:
    cls = resolved.cls
    return (
        cls is not None
        and "reference" in _init_fields(cls)
        and "reference" not in resolved.rule.params
    )


def build(resolved: Resolved, *, keys: KeyRing | None, reference: dt.date | None) -> Any:
    """
    Build the transform of a resolved rule.

    Args:
        resolved: The rule, from `check_rule`.
        keys: The key ring of keyed transforms (nested ones too).
        reference: The reference date of a dated rule.

    Returns:
        The transform instance.

    Raises:
        custdata.PolicyError: If a parameter is refused, or a keyed transform
            has no key ring.
    """
    cls = resolved.cls
    if cls is None:  # pragma: no cover  # keep and drop are never built
        msg = "keep and drop are not transforms"
        raise TypeError(msg)
    params: dict[str, object] = {}
    for key, value in resolved.rule.params.items():
        inner = resolved.nested.get(key)
        if inner is None:
            params[key] = value
        elif isinstance(inner, Resolved):
            params[key] = build(inner, keys=keys, reference=reference)
        else:
            params[key] = {
                sub: build(one, keys=keys, reference=reference) for sub, one in inner.items()
            }
    fields = _init_fields(cls)
    if _KEYS in fields:
        if keys is None:
            msg = f"{resolved.rule.transform} needs keys: give bind() a key ring"
            raise PolicyError(msg)
        params[_KEYS] = keys
    if reference is not None and _takes_reference(resolved):
        params["reference"] = reference
    try:
        return cls(**params)
    except PolicyError:
        raise
    except (TypeError, ValueError) as error:
        # The message of a converter's error may quote the value: only its type is told.
        msg = f"{resolved.rule.transform}: bad parameters ({type(error).__name__})"
        raise PolicyError(msg) from None


def canonical_value(value: object) -> object:
    """
    A parameter value in the canonical JSON form of a policy.

    Dates are ISO strings, tuples are lists, nested rules are their canonical
    tables; other values are JSON's own (floats that are whole stay floats).

    Args:
        value: A parameter value.

    Returns:
        A JSON-safe value.

    Raises:
        custdata.PolicyError: For a value JSON cannot hold (a NaN, an object).
    """
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [canonical_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): canonical_value(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        msg = "a parameter is not a finite number"
        raise PolicyError(msg)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    msg = f"a parameter of type {type(value).__name__} cannot be written in a policy"
    raise PolicyError(msg)


def canonical_rule(resolved: Resolved) -> dict[str, object]:
    """
    The canonical table of a resolved rule: every parameter, defaults filled in.

    Args:
        resolved: The rule.

    Returns:
        ``{"transform": name, "params": {...}}`` with sorted, JSON-safe parameters.
    """
    cls = resolved.cls
    if cls is None:
        return {"transform": resolved.rule.transform, "params": {}}
    params: dict[str, object] = {}
    for alias, field in _init_fields(cls).items():
        if alias == _KEYS:
            continue
        inner = resolved.nested.get(alias)
        if isinstance(inner, Resolved):
            params[alias] = canonical_rule(inner)
        elif inner is not None:
            params[alias] = {sub: canonical_rule(one) for sub, one in inner.items()}
        elif alias in resolved.rule.params:
            params[alias] = canonical_value(resolved.rule.params[alias])
        elif alias in resolved.computed:
            params[alias] = canonical_value(resolved.computed[alias])
        elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]  # attrs.Factory is a class at run time
            factory: Any = field.default
            params[alias] = canonical_value(factory.factory())
        else:
            params[alias] = canonical_value(field.default)
    return {"transform": resolved.rule.transform, "params": params}


def rule_order(resolved: Mapping[str, Resolved]) -> list[str]:
    """
    The order rules are applied in: every field before a protected-reading row transform of it.

    Args:
        resolved: The resolved rules of a checked policy (no cycles).

    Returns:
        The fields that are not dropped, value rules first in column order.
    """
    done: list[str] = []
    seen: set[str] = set()

    def visit(path: str) -> None:
        if path in seen:
            return
        seen.add(path)
        rule = resolved[path]
        if rule.is_row and rule.reads == "protected":
            for needed in rule.requires:
                visit(needed)
        done.append(path)

    live = [path for path, rule in resolved.items() if rule.rule.transform != DROP]
    for path in live:
        if not resolved[path].is_row:
            visit(path)
    for path in live:
        visit(path)
    return done

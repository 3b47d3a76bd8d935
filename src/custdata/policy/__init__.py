"""
Policies: declare once how each field is protected for one use, apply it everywhere the same way.

A `Policy` names, per field of one record type, a registered transform and its
parameters (or ``keep`` / ``drop``), and what the other fields become. It is
checked when built or loaded from TOML (`Policy.load`), before any row is
read. `Policy.bind` builds every transform with the real keys; the
`BoundPolicy` protects records (`BoundPolicy.apply`) and streams
(`BoundPolicy.apply_many`), rejecting the rows it cannot protect with every
reason, and accounts for each run in an `Audit`. See docs/policies.md.
"""

from __future__ import annotations

from custdata.policy._audit import Audit, FieldCount
from custdata.policy._bound import BoundPolicy, PolicyRun
from custdata.policy._policy import DEFAULTS, Policy, by_category
from custdata.policy._rules import DROP, KEEP, FieldRule

__all__ = [
    "DEFAULTS",
    "DROP",
    "KEEP",
    "Audit",
    "BoundPolicy",
    "FieldCount",
    "FieldRule",
    "Policy",
    "PolicyRun",
    "by_category",
]

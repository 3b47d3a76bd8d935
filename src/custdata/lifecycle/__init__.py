"""
Retention and data-subject requests: keep nothing longer than needed, answer every person.

custdata decides and explains; the host executes. `plan_retention` turns
records (or Arrow tables) and a `RetentionRules` set into a `RetentionPlan`:
for each record its action (keep, archive under legal hold, pseudonymise,
erase), the rule, the reason and the date it became due. `apply_plan`
splits records along a plan, `apply_plan_frames` Arrow tables.
`default_rules` is the documented default, modelled on the CNIL's guidance
for customer files: a starting point, not legal advice.

For one person: `access_export` (RGPD art. 15, with the portable subset of
art. 20), `erasure_plan` (art. 17: what goes, what a legal hold keeps and
why, and the person's pseudonyms under every key of the ring) and `rectify`
(art. 16, with a change-log entry that holds no value). See docs/lifecycle.md.
"""

from __future__ import annotations

from custdata.lifecycle._frames import AppliedFrames, apply_plan_frames
from custdata.lifecycle._plan import (
    ARCHIVED_FIELDS,
    PLAN_COLUMNS,
    AppliedPlan,
    PlanEntry,
    RetentionPlan,
    apply_plan,
    consent_id,
    plan_retention,
)
from custdata.lifecycle._rules import (
    CONDITIONS,
    RECORD_TYPES,
    Action,
    Condition,
    RetentionRule,
    RetentionRules,
    add_months,
    default_rules,
)
from custdata.lifecycle._subject import (
    PORTABLE_FIELDS,
    ChangeLogEntry,
    ErasurePlan,
    Pseudonym,
    access_export,
    erasure_plan,
    rectify,
)

__all__ = [
    "ARCHIVED_FIELDS",
    "CONDITIONS",
    "PLAN_COLUMNS",
    "PORTABLE_FIELDS",
    "RECORD_TYPES",
    "Action",
    "AppliedFrames",
    "AppliedPlan",
    "ChangeLogEntry",
    "Condition",
    "ErasurePlan",
    "PlanEntry",
    "Pseudonym",
    "RetentionPlan",
    "RetentionRule",
    "RetentionRules",
    "access_export",
    "add_months",
    "apply_plan",
    "apply_plan_frames",
    "consent_id",
    "default_rules",
    "erasure_plan",
    "plan_retention",
    "rectify",
]

"""Hypothesis strategies of policies made of the built-in transforms, for the policy tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from custdata import Contact, Policy
from custdata.model import flat_columns
from custdata.policy import DEFAULTS

_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12
)
_CHAR = st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])

_ANY_FIELD_RULES = st.one_of(
    st.just("keep"),
    st.just("drop"),
    st.builds(
        lambda domain, bits: {"transform": "pseudonymise", "domain": domain, "bits": bits},
        _TEXT,
        st.sampled_from([128, 160, 256]),
    ),
    st.builds(lambda domain: {"transform": "tokenise", "domain": domain}, _TEXT),
    st.builds(
        lambda first, last, char: {
            "transform": "mask",
            "keep_first": first,
            "keep_last": last,
            "mask_char": char,
        },
        st.integers(0, 4),
        st.integers(0, 4),
        _CHAR,
    ),
    st.builds(lambda replacement: {"transform": "redact", "replacement": replacement}, _TEXT),
)
_SPECIFIC = {
    "email": st.builds(
        lambda length, keep: {
            "transform": "mask_email",
            "mask_length": length,
            "keep_length": keep,
        },
        st.integers(1, 16),
        st.booleans(),
    ),
    "phone": st.one_of(
        st.builds(lambda last: {"transform": "mask_phone", "keep_last": last}, st.integers(0, 4)),
        st.builds(
            lambda domain, keep: {
                "transform": "format_preserving",
                "domain": domain,
                "keep_country_code": keep,
            },
            _TEXT,
            st.booleans(),
        ),
    ),
    "birth_date": st.builds(
        lambda width: {"transform": "age_band", "width": width}, st.integers(1, 100)
    ),
    "address.postal_code": st.builds(
        lambda keep: {"transform": "truncate_postcode", "keep": keep}, st.integers(1, 10)
    ),
    "created_at": st.builds(
        lambda unit: {"transform": "truncate_date", "unit": unit},
        st.sampled_from(["day", "month", "quarter", "year"]),
    ),
}
_COLUMNS = flat_columns(Contact)


@st.composite
def contact_policies(draw: st.DrawFn) -> Policy:
    """Contact policies: a random subset of fields, each with a rule that fits it."""
    chosen = draw(st.lists(st.sampled_from(_COLUMNS), unique=True, max_size=8))
    fields: dict[str, Any] = {}
    for path in chosen:
        options = [_ANY_FIELD_RULES]
        if path in _SPECIFIC:
            options.append(_SPECIFIC[path])
        fields[path] = draw(st.one_of(*options))
    return Policy(
        name=draw(_TEXT.filter(str.strip)),
        record_type="contact",
        fields=fields,
        version=draw(st.integers(1, 10_000)),
        default=draw(st.sampled_from(DEFAULTS)),
        reference=draw(st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))),
    )

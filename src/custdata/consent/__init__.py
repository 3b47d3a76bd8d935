"""
The consent ledger: may we contact this person, for this purpose, on this channel, now, and why.

`ConsentLedger` answers over the `custdata.Consent` events the host hands it
(custdata stores nothing): `ConsentLedger.allows` gives a `Decision` naming
the reason, the regime's `Rule` and the event that decided;
`ConsentLedger.allows_many` answers a column of contacts at once, and
`ConsentLedger.audience` a whole contact list. `merge_consents` carries
consents over when duplicates are merged into one person.

The legal regime per channel is a `Regime` of dated `Rule` objects;
`FRENCH_REGIME` is the default (see docs/consent.md for each rule's source:
guidance, not legal advice).

Pure Python; a contacts frame needs the ``arrow`` extra, loaded only then.
"""

from __future__ import annotations

from custdata.consent._ledger import (
    ALL_PURPOSES,
    ALLOWING_REASONS,
    Audience,
    ConsentLedger,
    Decision,
    DecisionColumns,
    Reason,
    WithdrawalScope,
    merge_consents,
    order_key,
)
from custdata.consent._regime import (
    FRENCH_REGIME,
    PHONE_OPT_IN_DATE,
    Basis,
    Recipient,
    Regime,
    Rule,
)

__all__ = [
    "ALLOWING_REASONS",
    "ALL_PURPOSES",
    "FRENCH_REGIME",
    "PHONE_OPT_IN_DATE",
    "Audience",
    "Basis",
    "ConsentLedger",
    "Decision",
    "DecisionColumns",
    "Reason",
    "Recipient",
    "Regime",
    "Rule",
    "WithdrawalScope",
    "merge_consents",
    "order_key",
]

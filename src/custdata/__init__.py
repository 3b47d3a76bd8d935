"""
custdata: customer data governance under the GDPR (RGPD).

Typed customer records, validation and normalisation, keyed pseudonymisation
and other transforms under declared policies, and anonymity measured on whole
datasets. custdata stores nothing: persistence belongs to the host.

The names users type most are importable from here. Heavier parts load on
first use, so ``import custdata`` stays fast and pulls in no optional dependency.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from custdata._lazy import lazy_names as _lazy_names
from custdata._version import __version__
from custdata.errors import (
    CustDataError,
    InputError,
    InvalidToken,
    Issue,
    KeyRingError,
    MissingDependencyError,
    PolicyError,
    PrivacyRequirementError,
    Severity,
    TransformError,
    UsageError,
    ValidationError,
)
from custdata.model import (
    Address,
    Category,
    Channel,
    Consent,
    ConsentStatus,
    Contact,
    Feedback,
    FeedbackKind,
    Gender,
    LineItem,
    Money,
    PaymentMethod,
    Purchase,
    PurchaseStatus,
    categories,
    from_dict,
    to_dict,
)

if TYPE_CHECKING:
    from custdata.keys import Key, KeyProvider, KeyRing
    from custdata.policy import Policy
    from custdata.transforms.fpe import FormatPreserving
    from custdata.transforms.generalise import (
        AgeBand,
        BottomCode,
        Bucket,
        TopCode,
        TruncateDate,
        TruncatePostcode,
    )
    from custdata.transforms.masking import Mask, MaskEmail, MaskPhone, Redact
    from custdata.transforms.pseudonymise import Pseudonymise
    from custdata.transforms.shift import ShiftDate
    from custdata.transforms.surrogate import Surrogate
    from custdata.transforms.text import KeyedScrubText, ScrubText
    from custdata.transforms.tokenise import Tokenise, detokenise
    from custdata.validation.records import normalise, validate, validate_many
    from custdata.validation.report import Report

__all__ = [
    "Address",
    "AgeBand",
    "BottomCode",
    "Bucket",
    "Category",
    "Channel",
    "Consent",
    "ConsentStatus",
    "Contact",
    "CustDataError",
    "Feedback",
    "FeedbackKind",
    "FormatPreserving",
    "Gender",
    "InputError",
    "InvalidToken",
    "Issue",
    "Key",
    "KeyProvider",
    "KeyRing",
    "KeyRingError",
    "KeyedScrubText",
    "LineItem",
    "Mask",
    "MaskEmail",
    "MaskPhone",
    "MissingDependencyError",
    "Money",
    "PaymentMethod",
    "Policy",
    "PolicyError",
    "PrivacyRequirementError",
    "Pseudonymise",
    "Purchase",
    "PurchaseStatus",
    "Redact",
    "Report",
    "ScrubText",
    "Severity",
    "ShiftDate",
    "Surrogate",
    "Tokenise",
    "TopCode",
    "TransformError",
    "TruncateDate",
    "TruncatePostcode",
    "UsageError",
    "ValidationError",
    "__version__",
    "categories",
    "detokenise",
    "from_dict",
    "normalise",
    "to_dict",
    "validate",
    "validate_many",
]

# Names resolved on first access (module __getattr__, PEP 562), so that their
# modules and dependencies load only when used: name -> module that defines it.
# The transform classes follow the registry's table (custdata.transforms.base._BUILTINS),
# as do __all__ and the TYPE_CHECKING imports: tests/test_package.py checks all three.
_LAZY: Final[dict[str, str]] = {
    "AgeBand": "custdata.transforms.generalise",
    "BottomCode": "custdata.transforms.generalise",
    "Bucket": "custdata.transforms.generalise",
    "FormatPreserving": "custdata.transforms.fpe",
    "Key": "custdata.keys",
    "KeyProvider": "custdata.keys",
    "KeyRing": "custdata.keys",
    "KeyedScrubText": "custdata.transforms.text",
    "Mask": "custdata.transforms.masking",
    "MaskEmail": "custdata.transforms.masking",
    "MaskPhone": "custdata.transforms.masking",
    "Policy": "custdata.policy",
    "Pseudonymise": "custdata.transforms.pseudonymise",
    "Redact": "custdata.transforms.masking",
    "Report": "custdata.validation.report",
    "ShiftDate": "custdata.transforms.shift",
    "ScrubText": "custdata.transforms.text",
    "Surrogate": "custdata.transforms.surrogate",
    "Tokenise": "custdata.transforms.tokenise",
    "TopCode": "custdata.transforms.generalise",
    "TruncateDate": "custdata.transforms.generalise",
    "TruncatePostcode": "custdata.transforms.generalise",
    "detokenise": "custdata.transforms.tokenise",
    "normalise": "custdata.validation.records",
    "validate": "custdata.validation.records",
    "validate_many": "custdata.validation.records",
}


__getattr__, __dir__ = _lazy_names(__name__, _LAZY)

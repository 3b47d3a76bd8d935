"""
Value-level transforms: masking, generalisation, keyed pseudonymisation.

Every transform is a frozen attrs class whose fields are its parameters,
declares its `Guarantees`, leaves ``None`` unchanged, and transforms whole
batches with ``apply_many`` (and pyarrow arrays with ``apply_arrow``).
The registry (`get`, `register`, `names`) maps the names used in policies to
classes. Transform classes load on first use. See docs/transforms.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from custdata._lazy import lazy_names as _lazy_names
from custdata.transforms.base import (
    BaseTransform,
    Guarantees,
    RowTransform,
    SameAsInput,
    Transform,
    get,
    names,
    register,
    unregister,
)

if TYPE_CHECKING:
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

__all__ = [
    "AgeBand",
    "BaseTransform",
    "BottomCode",
    "Bucket",
    "FormatPreserving",
    "Guarantees",
    "KeyedScrubText",
    "Mask",
    "MaskEmail",
    "MaskPhone",
    "Pseudonymise",
    "Redact",
    "RowTransform",
    "SameAsInput",
    "ScrubText",
    "ShiftDate",
    "Surrogate",
    "Tokenise",
    "TopCode",
    "Transform",
    "TruncateDate",
    "TruncatePostcode",
    "detokenise",
    "get",
    "names",
    "register",
    "unregister",
]

# Names resolved on first access: name -> module that defines it. The transform
# classes follow the registry's table (base._BUILTINS), as do __all__ and the
# TYPE_CHECKING imports: tests/test_package.py checks all three.
_LAZY: Final[dict[str, str]] = {
    "AgeBand": "custdata.transforms.generalise",
    "BottomCode": "custdata.transforms.generalise",
    "Bucket": "custdata.transforms.generalise",
    "FormatPreserving": "custdata.transforms.fpe",
    "KeyedScrubText": "custdata.transforms.text",
    "Mask": "custdata.transforms.masking",
    "MaskEmail": "custdata.transforms.masking",
    "MaskPhone": "custdata.transforms.masking",
    "Pseudonymise": "custdata.transforms.pseudonymise",
    "Redact": "custdata.transforms.masking",
    "ShiftDate": "custdata.transforms.shift",
    "ScrubText": "custdata.transforms.text",
    "Surrogate": "custdata.transforms.surrogate",
    "Tokenise": "custdata.transforms.tokenise",
    "TopCode": "custdata.transforms.generalise",
    "TruncateDate": "custdata.transforms.generalise",
    "TruncatePostcode": "custdata.transforms.generalise",
    "detokenise": "custdata.transforms.tokenise",
}


__getattr__, __dir__ = _lazy_names(__name__, _LAZY)

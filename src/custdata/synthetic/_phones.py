"""
Phone numbers from ranges reserved for fiction: the plans live in `custdata._reserved`.

Synthetic data and surrogates (`custdata.transforms.surrogate`) share them, so the
plans sit below both layers; this module keeps the names synthetic code imports.
"""

from __future__ import annotations

from custdata._reserved import PHONE_PLANS, PhonePlan

__all__ = ["PHONE_PLANS", "PhonePlan"]

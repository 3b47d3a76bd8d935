"""
Phone numbers from ranges reserved for fiction: the plans live in `custdata._reserved`.

Synthetic data and surrogates (`custdata.transforms.surrogate`) share them, so the
plans sit below both layers; this module keeps the names synthetic code imports,
and numbers the plans' numbers so that each can be handed out once.
"""

from __future__ import annotations

from custdata._reserved import PHONE_PLANS, PhonePlan

__all__ = ["PHONE_PLANS", "PhonePlan", "capacity", "fiction_number"]


def capacity(plan: PhonePlan) -> int:
    """
    Return how many numbers a plan's fiction ranges hold.

    Args:
        plan: The plan.

    Returns:
        ``len(plan.blocks) * 10 ** plan.free_digits`` (60 000 for France).
    """
    return len(plan.blocks) * int(10**plan.free_digits)


def fiction_number(plan: PhonePlan, index: int) -> str:
    """
    Return the national significant number of the plan's ``index``-th fiction number.

    Args:
        plan: The plan.
        index: From 0 to ``capacity(plan) - 1``.

    Returns:
        The number, without country code: each index gives another number.
    """
    block, rest = divmod(index, int(10**plan.free_digits))
    return plan.blocks[block] + str(rest).zfill(plan.free_digits)

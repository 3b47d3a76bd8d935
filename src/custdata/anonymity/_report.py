"""The risk report: counts and class sizes measured against named quasi-identifiers."""

from __future__ import annotations

import json
from typing import Literal

import attrs

__all__ = ["Risk", "RiskReport", "SensitiveReport"]

Distance = Literal["ordered", "hierarchical", "equal"]


@attrs.frozen(kw_only=True)
class Risk:
    """
    One attacker model's re-identification risk.

    Attributes:
        highest: The highest risk of any record (1 / the smallest class).
        average: The average risk over the records.
        records_above: Records whose risk is above the threshold.
        share_above: Their share of all records.
    """

    highest: float
    average: float
    records_above: int
    share_above: float


@attrs.frozen(kw_only=True)
class SensitiveReport:
    """
    l-diversity and t-closeness of one sensitive attribute.

    Attributes:
        attribute: The column.
        values: Its number of distinct values in the data (missing counted as one).
        distinct_l: The fewest distinct values in any equivalence class.
        entropy_l: ``exp`` of the lowest entropy of the values in any class.
        t: The largest earth mover's distance between a class's values and
            the whole table's (t-closeness).
        distance: How values are apart for ``t``: ``"ordered"``,
            ``"hierarchical"`` or ``"equal"``.
    """

    attribute: str
    values: int
    distinct_l: int
    entropy_l: float
    t: float
    distance: Distance


@attrs.frozen(kw_only=True)
class RiskReport:
    """
    What `custdata.anonymity.assess` measured, against which quasi-identifiers.

    Holds counts, class sizes and risks, never a record's values.

    Attributes:
        quasi_identifiers: The columns the classes are formed on.
        records: Records measured.
        classes: Equivalence classes (records equal on every quasi-identifier).
        k: The size of the smallest class (k-anonymity).
        class_sizes: ``(size, number of classes of that size)``, smallest first.
        unique_records: Records alone in their class.
        unique_share: Their share of the records.
        risk_threshold: The risk above which a record is counted in ``records_above``.
        prosecutor: The risk when the attacker knows their target is in the data.
        marketer: The expected share of records re-identified by matching them all.
        population: The population's size, when one was given.
        journalist: The risk when the target may be anyone in the population,
            when one was given.
        k_map: The smallest population class among the data's classes (k-map),
            when a population was given.
        sensitive: l-diversity and t-closeness per sensitive attribute.
    """

    quasi_identifiers: tuple[str, ...]
    records: int
    classes: int
    k: int
    class_sizes: tuple[tuple[int, int], ...]
    unique_records: int
    unique_share: float
    risk_threshold: float
    prosecutor: Risk
    marketer: float
    population: int | None = None
    journalist: Risk | None = None
    k_map: int | None = None
    sensitive: tuple[SensitiveReport, ...] = ()

    @property
    def highest_risk(self) -> float:
        """The highest risk measured: journalist with a population, prosecutor without."""
        return self.prosecutor.highest if self.journalist is None else self.journalist.highest

    def to_dict(self) -> dict[str, object]:
        """
        The report as plain data, ready for JSON.

        Returns:
            A dictionary of the attributes (class sizes as ``{"size", "classes"}`` items).
        """
        data = attrs.asdict(self, recurse=True)
        data["quasi_identifiers"] = list(self.quasi_identifiers)
        data["class_sizes"] = [{"size": s, "classes": c} for s, c in self.class_sizes]
        data["sensitive"] = [attrs.asdict(s) for s in self.sensitive]
        data["highest_risk"] = self.highest_risk
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """
        The report as JSON.

        Args:
            indent: As for `json.dumps`.

        Returns:
            The JSON text.
        """
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self, *, size_lines: int = 10) -> str:
        """
        The report as text for a terminal.

        Args:
            size_lines: The class sizes listed, smallest first (the rest are summed).

        Returns:
            The text, one measure a line.
        """
        lines = [
            f"Measured against the quasi-identifiers: {', '.join(self.quasi_identifiers)}",
            f"records: {self.records}",
            f"equivalence classes: {self.classes}",
            f"k (smallest class): {self.k}",
            f"unique records: {self.unique_records} ({_percent(self.unique_share)})",
            "class sizes (size: classes):",
        ]
        shown = self.class_sizes[:size_lines]
        lines.extend(f"  {size}: {count}" for size, count in shown)
        rest = self.class_sizes[size_lines:]
        if rest:
            lines.append(f"  larger than {shown[-1][0]}: {sum(count for _, count in rest)} classes")
        lines.append(f"risk threshold: {_number(self.risk_threshold)}")
        lines.append(_risk_line("prosecutor risk", self.prosecutor))
        if self.journalist is not None:
            lines.append(f"population: {self.population}")
            lines.append(f"k-map (smallest population class): {self.k_map}")
            lines.append(_risk_line("journalist risk", self.journalist))
        lines.append(f"marketer risk: {_number(self.marketer)}")
        for item in self.sensitive:
            lines.append(
                f"sensitive {item.attribute}: {item.values} values, distinct l = "
                f"{item.distinct_l}, entropy l = {_number(item.entropy_l)}, "
                f"t = {_number(item.t)} ({item.distance} distance)"
            )
        return "\n".join(lines) + "\n"


def _risk_line(title: str, risk: Risk) -> str:
    return (
        f"{title}: highest {_number(risk.highest)}, average {_number(risk.average)}, "
        f"records above the threshold {risk.records_above} ({_percent(risk.share_above)})"
    )


def _number(value: float) -> str:
    return f"{value:.4g}"


def _percent(share: float) -> str:
    return f"{share * 100:.2f}%"

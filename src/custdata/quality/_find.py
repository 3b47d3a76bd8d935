"""Finding duplicates: blocking, comparison, the weight of each pair, clusters."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Final

import attrs

from custdata.errors import PolicyError
from custdata.model import Contact
from custdata.quality._compare import (
    FIELDS,
    LEVELS,
    NULL,
    Comparer,
    Prepared,
    comparer,
    preparer,
)
from custdata.quality._model import MatchModel, estimate_m, estimate_u
from custdata.quality._phonetic import french_phonetic

__all__ = [
    "DEFAULT_RULES",
    "BlockingRule",
    "DuplicateResult",
    "FieldComparison",
    "MatchedPair",
    "SkippedBlock",
    "find_duplicates",
]

_U_PAIRS: Final = 100_000
_EM_PAIRS: Final = 100_000
_EVERY: Final = 10_000  # items between two progress reports

Progress = Callable[[str, int, int], None]
"""Told ``(step, done, total)`` as `find_duplicates` works: for a progress bar."""


def _field_set(fields: Iterable[str]) -> frozenset[str]:
    return frozenset(fields)


@attrs.frozen(kw_only=True)
class BlockingRule:
    """
    One way of finding candidate pairs: contacts sharing a key are compared.

    Attributes:
        name: The rule's name, as reports show it.
        keys: The keys of a contact (``None`` or no key: in no block of this rule).
        fields: The compared fields the rule blocks on: they agree within its
            blocks by construction, so estimating their m from its pairs would
            be biased; that rule's estimation leaves them out.
    """

    name: str
    keys: Callable[[Contact, Prepared], Iterable[str] | None] = attrs.field(eq=False)
    fields: frozenset[str] = attrs.field(converter=_field_set, default=frozenset())

    def __attrs_post_init__(self) -> None:
        if not self.name:
            msg = "BlockingRule: name must not be empty"
            raise PolicyError(msg)
        unknown = sorted(set(self.fields) - set(FIELDS))
        if unknown:
            msg = f"BlockingRule: fields holds unknown fields {unknown}"
            raise PolicyError(msg)


def _email_key(_contact: Contact, prepared: Prepared) -> Iterable[str]:
    return (prepared.email,) if prepared.email else ()


def _phone_key(_contact: Contact, prepared: Prepared) -> Iterable[str]:
    return (prepared.phone,) if prepared.phone else ()


def _name_postal_key(_contact: Contact, prepared: Prepared) -> Iterable[str]:
    if not prepared.postal:
        return ()
    keys = set()
    # Each name's phonetic key with the other name's initial: a typo in one name,
    # an initial for the given name or swapped names keep one key in common.
    for name, other in ((prepared.family, prepared.given), (prepared.given, prepared.family)):
        code = french_phonetic(name) if len(name) > 1 else ""
        if code:
            keys.add(f"{code}|{other[:1]}|{prepared.postal}")
    return keys


def _birth_initial_key(_contact: Contact, prepared: Prepared) -> Iterable[str]:
    if not prepared.birth or not prepared.given or not prepared.family:
        return ()
    # Both initials, in either order: swapped names keep the key.
    initials = "".join(sorted((prepared.given[0], prepared.family[0])))
    return (f"{prepared.birth}|{initials}",)


def _birth_postal_key(_contact: Contact, prepared: Prepared) -> Iterable[str]:
    if not prepared.birth or not prepared.postal:
        return ()
    return (f"{prepared.birth}|{prepared.postal}",)


def _street_postal_key(_contact: Contact, prepared: Prepared) -> Iterable[str]:
    if not prepared.street or not prepared.postal:
        return ()
    return (f"{prepared.street}|{prepared.postal}",)


DEFAULT_RULES: Final[tuple[BlockingRule, ...]] = (
    BlockingRule(name="email", keys=_email_key, fields=frozenset({"email"})),
    BlockingRule(name="phone", keys=_phone_key, fields=frozenset({"phone"})),
    BlockingRule(
        name="name_postal",
        keys=_name_postal_key,
        fields=frozenset({"given_name", "family_name", "postal_code"}),
    ),
    BlockingRule(
        name="birth_initial",
        keys=_birth_initial_key,
        fields=frozenset({"birth_date", "given_name", "family_name"}),
    ),
    # For names misspelt beyond their initials: the birth date or the street still meet.
    BlockingRule(
        name="birth_postal",
        keys=_birth_postal_key,
        fields=frozenset({"birth_date", "postal_code"}),
    ),
    BlockingRule(
        name="street_postal",
        keys=_street_postal_key,
        fields=frozenset({"street", "postal_code"}),
    ),
)
"""The built-in blocking rules: normalised email; E.164 phone; the French phonetic key
of the family (or given) name with the other name's initial and the postal code; birth
date with both initials (in either order); birth date with the postal code; street line
with the postal code."""


@attrs.frozen(kw_only=True)
class SkippedBlock:
    """
    A block too large to compare pairwise: a placeholder value or a shared number.

    The key itself is not reported: it is a customer value.

    Attributes:
        rule: The blocking rule.
        size: How many contacts share the key.
    """

    rule: str
    size: int


@attrs.frozen(kw_only=True)
class FieldComparison:
    """
    How one field of a pair compared: the explanation of its part of the weight.

    Attributes:
        field: The field, such as ``"email"``.
        level: Its agreement level (``"exact"``, ``"close"``...), ``"missing"``
            when either side lacks it.
        weight: Its weight in bits: positive when it speaks for a match.
    """

    field: str
    level: str
    weight: float


@attrs.frozen(kw_only=True)
class MatchedPair:
    """
    Two contacts found to be the same person, and why.

    Attributes:
        left: The smaller contact id.
        right: The other.
        weight: The match weight, a log2 Bayes factor (the sum of the field weights).
        probability: The match probability, from the weight and the model's prior.
        fields: Each compared field's level and weight.
        swapped_names: Whether given and family names were compared crossed.
    """

    left: str
    right: str
    weight: float
    probability: float
    fields: tuple[FieldComparison, ...]
    swapped_names: bool = False

    def explain(self) -> str:
        """
        Say in one line why the pair matched.

        Returns:
            Such as ``"email exact +13.2, phone missing 0.0, ..."``, no value shown.
        """
        parts = [f"{item.field} {item.level} {item.weight:+.1f}" for item in self.fields]
        crossed = " (names swapped)" if self.swapped_names else ""
        return f"weight {self.weight:+.1f}{crossed}: " + ", ".join(parts)


@attrs.frozen(kw_only=True)
class DuplicateResult:
    """
    What `find_duplicates` found.

    Attributes:
        pairs: Every candidate pair at or above the threshold, heaviest first.
        clusters: The groups of contact ids that are one person (two or more
            ids each, sorted; clusters sorted by their first id).
        records: How many contacts were read.
        candidate_pairs: How many pairs blocking proposed and were compared.
        skipped_blocks: Blocks larger than the cap, not compared.
        model: The model used (estimated or given).
        threshold: The weight a pair needed.
        split_clusters: How many connected components the chaining guard split.
    """

    pairs: tuple[MatchedPair, ...]
    clusters: tuple[tuple[str, ...], ...]
    records: int
    candidate_pairs: int
    skipped_blocks: tuple[SkippedBlock, ...]
    model: MatchModel
    threshold: float
    split_clusters: int = 0

    def id_map(self) -> dict[str, str]:
        """
        Map each duplicate id to its cluster's first id (smallest): for a quick merge.

        Use `custdata.quality.merge` to choose the survivor by a rule instead.

        Returns:
            Duplicate id -> surviving id; survivors are not keys.
        """
        return {member: cluster[0] for cluster in self.clusters for member in cluster[1:]}


def _contacts(contacts: object) -> list[Contact]:
    if isinstance(contacts, Sequence | Iterable) and not hasattr(contacts, "columns"):
        listed = list(contacts)
        if all(isinstance(item, Contact) for item in listed):
            return listed
        msg = "find_duplicates: contacts must be Contact records or a frame"
        raise TypeError(msg)
    from custdata.frames import from_frame

    return list(from_frame(contacts, Contact).records)


def _level_names(levels: Sequence[int], model: MatchModel) -> tuple[FieldComparison, ...]:
    return tuple(
        FieldComparison(
            field=field,
            level="missing" if level == NULL else LEVELS[field][level],
            weight=round(model.field_weight(field, level), 3),
        )
        for field, level in zip(FIELDS, levels, strict=True)
    )


class _Blocks:
    """Candidate pairs of every rule, and the blocks skipped."""

    def __init__(
        self,
        contacts: Sequence[Contact],
        prepared: Sequence[Prepared],
        rules: Sequence[BlockingRule],
        cap: int,
        first_new: int,
        *,
        on_progress: Progress,
    ) -> None:
        self.by_rule: dict[str, list[tuple[int, int]]] = {}
        self.skipped: list[SkippedBlock] = []
        on_progress("block", 0, len(rules))
        for number, rule in enumerate(rules, 1):
            blocks: dict[str, list[int]] = {}
            for index, (contact, record) in enumerate(zip(contacts, prepared, strict=True)):
                for key in rule.keys(contact, record) or ():
                    blocks.setdefault(key, []).append(index)
            pairs: list[tuple[int, int]] = []
            for members in blocks.values():
                if len(members) < 2:
                    continue
                if len(members) > cap:
                    self.skipped.append(SkippedBlock(rule=rule.name, size=len(members)))
                    continue
                unique = sorted(set(members))
                for position, left in enumerate(unique):
                    for right in unique[position + 1 :]:
                        if right >= first_new:  # with --against, old pairs are not compared
                            pairs.append((left, right))
            self.by_rule[rule.name] = pairs
            on_progress("block", number, len(rules))
        self.skipped.sort(key=lambda block: (block.rule, -block.size))


def find_duplicates(  # each option is one documented knob
    contacts: object,
    *,
    against: object = None,
    rules: Sequence[BlockingRule] = DEFAULT_RULES,
    model: MatchModel | None = None,
    threshold: float | None = None,
    guard: float | None = None,
    max_block: int = 100,
    non_matches: Iterable[tuple[str, str]] = (),
    seed: int = 0,
    on_progress: Progress | None = None,
) -> DuplicateResult:
    """
    Find the contacts that are the same person, say why each pair matched, and group them.

    Candidate pairs come from blocking (contacts sharing a key of one of
    ``rules``), so the work grows with the file, not with its square. Each pair
    is compared field by field; the field levels' weights (Fellegi-Sunter,
    ``log2(m / u)``) add up to the pair's weight. Unless ``model`` is given, u is
    estimated from random pairs and m by expectation-maximisation over each
    rule's pairs, that rule's own fields left out: no labelled data is needed.
    Pairs at or above ``threshold`` are joined into clusters (connected
    components); a cluster holding two members whose own weight is below
    ``guard`` is split (complete linkage) so that one chain of near matches
    does not join strangers.

    Example:
        >>> from custdata.model import Contact
        >>> people = [
        ...     Contact(contact_id="1", given_name="Élodie", family_name="Martin",
        ...             email="elodie.martin@example.fr", phone="06 12 34 56 78"),
        ...     Contact(contact_id="2", given_name="E.", family_name="MARTIN",
        ...             email="Elodie.Martin@example.fr", phone="+33612345678"),
        ...     Contact(contact_id="3", given_name="Paul", family_name="Durand",
        ...             email="paul.durand@example.fr"),
        ... ]
        >>> find_duplicates(people).clusters
        (('1', '2'),)

    Args:
        contacts: `Contact` records, or a frame of flat rows (pandas, polars, Arrow).
        against: Contacts already deduplicated: the new ``contacts`` are compared
            with them and with each other, never these with each other.
        rules: The blocking rules; add a `BlockingRule` to `DEFAULT_RULES` for your own keys.
        model: Fixed m and u; by default they are estimated from the data.
        threshold: The weight (log2 Bayes factor) a pair needs to match; by
            default the weight at which the match probability is one half.
        guard: The weight every two members of a cluster need; by default
            ``threshold - 10`` (a thousand times less likely than a match).
        max_block: Blocks larger than this are skipped and reported.
        non_matches: Pairs of contact ids known not to be the same person.
        seed: Seeds the sampling of random pairs for u.
        on_progress: Called with ``(step, done, total)`` as the work advances,
            every 10 000 items and at the end of each step: ``"prepare"``
            (records), ``"block"`` (rules), ``"compare"`` (candidate pairs, the
            pairs several rules propose counted once per rule), ``"estimate"``
            and ``"cluster"`` (0 then 1). For a progress bar.

    Returns:
        The `DuplicateResult`.

    Raises:
        PolicyError: For a ``max_block`` below 2.
        TypeError: For contacts that are neither records nor a frame.
    """
    if max_block < 2:
        msg = "find_duplicates: max_block must be at least 2"
        raise PolicyError(msg)
    old = _contacts(against) if against is not None else []
    new = _contacts(contacts)
    everyone = [*old, *new]
    tell = on_progress if on_progress is not None else _silent
    prepared = _prepare_all(everyone, tell)
    blocks = _Blocks(everyone, prepared, rules, max_block, len(old), on_progress=tell)
    known = {frozenset(pair) for pair in non_matches}
    compare = comparer()
    levels = _compare_candidates(blocks, prepared, compare, tell)

    candidates = len(levels)  # the guard may compare more pairs below
    tell("estimate", 0, 1)
    if model is None:
        model = _estimate(
            prepared=prepared,
            blocks=blocks,
            rules=rules,
            levels=levels,
            old=len(old),
            new=len(new),
            seed=seed,
            compare=compare,
        )
    tell("estimate", 1, 1)
    tell("cluster", 0, 1)
    cut = threshold if threshold is not None else _even_odds(model.prior)
    floor = guard if guard is not None else cut - 10

    cache: dict[tuple[int, ...], float] = {}

    def weigh(pattern: tuple[int, ...]) -> float:
        found = cache.get(pattern)
        if found is None:
            found = cache[pattern] = model.weight(pattern)
        return found

    matched: list[tuple[float, int, int]] = []
    for (left, right), (pattern, _swapped) in levels.items():
        weight = weigh(pattern)
        if weight >= cut:
            ids = frozenset((prepared[left].contact_id, prepared[right].contact_id))
            if ids not in known:
                matched.append((weight, left, right))
    matched.sort(key=lambda item: (-item[0], item[1], item[2]))

    def pair_weight(left: int, right: int) -> float:
        key = (left, right) if left < right else (right, left)
        if frozenset((prepared[left].contact_id, prepared[right].contact_id)) in known:
            return float("-inf")
        found = levels.get(key)
        if found is None:
            found = levels[key] = compare(prepared[key[0]], prepared[key[1]])
        return weigh(found[0])

    groups, split = _clusters(len(prepared), matched, pair_weight, floor)
    clusters = tuple(
        sorted(tuple(sorted(prepared[index].contact_id for index in group)) for group in groups)
    )
    result_pairs = []
    for weight, left, right in matched:
        pattern, swapped = levels[(left, right)]
        first, second = sorted((prepared[left].contact_id, prepared[right].contact_id))
        result_pairs.append(
            MatchedPair(
                left=first,
                right=second,
                weight=round(weight, 3),
                probability=model.probability(weight),
                fields=_level_names(pattern, model),
                swapped_names=swapped,
            )
        )
    tell("cluster", 1, 1)
    return DuplicateResult(
        pairs=tuple(result_pairs),
        clusters=clusters,
        records=len(new),
        candidate_pairs=candidates,
        skipped_blocks=tuple(blocks.skipped),
        model=model,
        threshold=cut,
        split_clusters=split,
    )


def _silent(_step: str, _done: int, _total: int) -> None:
    """Report nothing."""


def _prepare_all(contacts: Sequence[Contact], tell: Progress) -> list[Prepared]:
    prepared = []
    prepare = preparer()
    for index, contact in enumerate(contacts):
        if index % _EVERY == 0:
            tell("prepare", index, len(contacts))
        prepared.append(prepare(contact))
    tell("prepare", len(contacts), len(contacts))
    return prepared


def _compare_candidates(
    blocks: _Blocks, prepared: Sequence[Prepared], compare: Comparer, tell: Progress
) -> dict[tuple[int, int], tuple[tuple[int, ...], bool]]:
    """Each candidate pair's levels (a pair several rules propose is compared once)."""
    levels: dict[tuple[int, int], tuple[tuple[int, ...], bool]] = {}
    total = sum(len(pairs) for pairs in blocks.by_rule.values())
    done = 0
    for pairs in blocks.by_rule.values():
        for pair in pairs:
            if done % _EVERY == 0:
                tell("compare", done, total)
            done += 1
            if pair not in levels:
                levels[pair] = compare(prepared[pair[0]], prepared[pair[1]])
    tell("compare", total, total)
    return levels


def _estimate(  # the state of one run, passed once
    *,
    prepared: Sequence[Prepared],
    blocks: _Blocks,
    rules: Sequence[BlockingRule],
    levels: dict[tuple[int, int], tuple[tuple[int, ...], bool]],
    old: int,
    new: int,
    seed: int,
    compare: Comparer,
) -> MatchModel:
    """Estimate u from random pairs and value counts, m by EM per rule, and the prior."""
    rng = random.Random(seed)  # noqa: S311  # sampling, not secrecy
    random_patterns: Counter[tuple[int, ...]] = Counter()
    count = len(prepared)
    if count >= 2:
        for _ in range(min(_U_PAIRS, count * (count - 1) // 2)):
            left, right = rng.randrange(count), rng.randrange(count - 1)
            right += right >= left
            random_patterns[compare(prepared[left], prepared[right])[0]] += 1
    u = _exact_u(estimate_u(random_patterns), prepared)
    sessions = []
    for rule in rules:
        pairs = blocks.by_rule[rule.name]
        sample = rng.sample(pairs, _EM_PAIRS) if len(pairs) > _EM_PAIRS else pairs
        sessions.append((Counter(levels[pair][0] for pair in sample), rule.fields))
    m = estimate_m(sessions, u)
    among = _prior(Counter(found[0] for found in levels.values()), m, u)
    # The share of all pairs that match: the candidates' matches among every pair
    # compared (blocking enriches the candidates; the weights must not count it twice).
    every = new * old + new * (new - 1) // 2
    prior = min(max(among * len(levels) / max(every, 1), 1e-12), 0.5)
    return MatchModel(m=m, u=u, prior=prior)


_EXACT_FIELDS: Final = (
    ("given_name", "given"),
    ("family_name", "family"),
    ("email", "email"),
    ("phone", "phone"),
    ("birth_date", "birth"),
    ("postal_code", "postal"),
    ("street", "street"),
)


def _exact_u(
    sampled: dict[str, tuple[float, ...]], prepared: Sequence[Prepared]
) -> dict[str, tuple[float, ...]]:
    """
    Replace each field's sampled u of exact agreement by its value from the value counts.

    Random pairs rarely agree on an email, so sampling cannot estimate how rarely;
    the counts can: two records drawn at random agree with probability
    ``sum(c * (c - 1)) / (n * (n - 1))`` over the counts ``c`` of each value.
    """
    u = dict(sampled)
    for field, attribute in _EXACT_FIELDS:
        counts = Counter(getattr(record, attribute) for record in prepared)
        counts.pop("", None)
        present = sum(counts.values())
        if present < 2:
            continue
        agree = sum(count * (count - 1) for count in counts.values()) / (present * (present - 1))
        # Bounded: a tiny file tells little, and no level may become impossible.
        agree = min(max(agree, 1 / (present * present)), 0.5)
        others = sampled[field][:-1]
        scale = (1 - agree) / sum(others)
        u[field] = (*(value * scale for value in others), agree)
    return u


def _even_odds(prior: float) -> float:
    import math

    return math.log2((1 - prior) / prior)


def _prior(
    patterns: Counter[tuple[int, ...]],
    m: dict[str, tuple[float, ...]],
    u: dict[str, tuple[float, ...]],
) -> float:
    """The share of candidate pairs that are matches, by EM with m and u fixed."""
    if not patterns:
        return 0.5
    model = MatchModel(m=m, u=u, prior=0.5)
    factors = {pattern: 2.0 ** min(model.weight(pattern), 1000.0) for pattern in patterns}
    total = sum(patterns.values())
    prior = 0.5
    for _ in range(50):
        odds = prior / (1 - prior)
        matched = sum(
            count * (odds * factors[pattern] / (1 + odds * factors[pattern]))
            for pattern, count in patterns.items()
        )
        prior = min(max(matched / total, 1e-6), 1 - 1e-6)
    return prior


def _clusters(
    size: int,
    matched: Sequence[tuple[float, int, int]],
    pair_weight: Callable[[int, int], float],
    floor: float,
) -> tuple[list[list[int]], int]:
    """Connected components of the matched pairs, each split by complete linkage if needed."""
    parent = list(range(size))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for _weight, left, right in matched:
        a, b = root(left), root(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    components: dict[int, list[int]] = {}
    for _weight, left, _right in matched:
        components.setdefault(root(left), [])
    for index in range(size):
        found = components.get(root(index))
        if found is not None:
            found.append(index)
    edges: dict[int, list[tuple[float, int, int]]] = {}
    for item in matched:
        edges.setdefault(root(item[1]), []).append(item)
    result: list[list[int]] = []
    split = 0
    for key, members in components.items():
        if len(members) == 2 or all(
            pair_weight(a, b) >= floor for i, a in enumerate(members) for b in members[i + 1 :]
        ):
            result.append(members)
            continue
        split += 1
        result.extend(_complete_linkage(members, edges[key], pair_weight, floor))
    return [group for group in result if len(group) > 1], split


def _complete_linkage(
    members: Sequence[int],
    edges: Sequence[tuple[float, int, int]],
    pair_weight: Callable[[int, int], float],
    floor: float,
) -> list[list[int]]:
    """Join members along the heaviest edges first, only where every pair stays above floor."""
    group = {member: [member] for member in members}
    for _weight, left, right in edges:  # already heaviest first
        a, b = group[left], group[right]
        if a is b:
            continue
        if all(pair_weight(x, y) >= floor for x in a for y in b):
            a.extend(b)
            for member in b:
                group[member] = a
    unique = {id(found): found for found in group.values()}
    return [sorted(found) for found in unique.values()]

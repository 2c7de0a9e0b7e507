"""Urgency tiers per level and for the patient, and the one headline every surface leads with.

docs/clinical-rules.md §15.2 (tiers), applying §15.1 (neurology by level):

- ``emergent``: high-grade ESCC (or cord compression without a grade) with myelopathy or cauda
  equina syndrome at that level;
- ``urgent``: high-grade ESCC without myelopathy/CES; SINS 13–18; SINS 7–12 with mechanical pain;
- ``routine``: any other spinal metastasis; ``none``: no spinal metastasis.

With unknown inputs every value they can still take is tried (like the NOMS recommendation): the
result is the lowest certain tier and the highest possible tier, with the inputs whose value
decides between them. An output never says ``routine`` while ``emergent`` is possible, and
:func:`headline` leads with the highest possible tier ("POSSIBLY EMERGENT: record myelopathy at
T4").

API for the surfaces (text summary, report view, CDS cards, SMART pages, alerts): build nothing
here yourself; take ``LevelAssessment.urgency`` and ``Assessment.urgency`` from
:func:`service.domain.assessment.assess` and call :func:`headline` on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Final

from service.domain import escc
from service.domain.escc import Category, EsccResult
from service.domain.findings import OutOfScope, input_key
from service.domain.levels import Level
from service.domain.neurology import LevelNeurology
from service.domain.scoring import ScoreResult
from service.domain.urgency_worlds import Worlds

SINS_UNSTABLE: Final = 13  # SINS 13–18 (Fourney 2011)
SINS_POTENTIALLY_UNSTABLE: Final = 7  # SINS 7–12
MECHANICAL_PAIN_POINTS: Final = 3  # the SINS pain answer "mechanical"

# How an input is asked for in a headline ("record myelopathy at T4").
INPUT_WORDS: Final = {
    "escc-grade": "the ESCC grade",
    "myelopathy": "myelopathy",
    "cauda-equina-syndrome": "cauda equina syndrome",
    "sins-pain": "SINS pain",
    "sins-bone-lesion": "the SINS bone lesion",
    "sins-alignment": "the SINS alignment",
    "sins-collapse": "the SINS collapse",
    "sins-posterolateral": "the SINS posterolateral involvement",
    "sacral-segment": "the segment of the sacral lesion",
    "metastasis-level": "the level of the spinal metastasis",
}


class Tier(Enum):
    """An urgency tier, ordered from none to emergent."""

    NONE = "none"
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENT = "emergent"

    @property
    def rank(self) -> int:
        """Order of the tiers: none 0, routine 1, urgent 2, emergent 3."""
        return _RANK[self]


_RANK: Final = {tier: i for i, tier in enumerate(Tier)}


@dataclass(frozen=True, slots=True)
class Urgency:
    """How urgent a level (or the patient) is, as far as the inputs allow.

    Attributes:
        level: The level, or None for the patient.
        at_least: The lowest tier that is certain.
        at_most: The highest tier still possible.
        reasons: Why, in words; the first explains the highest possible tier.
        deciding: The inputs the chart could still supply that decide between the tiers (for the
            patient keyed by level, e.g. ``T4/myelopathy``).
        top_deciding: Those among them that decide whether the highest possible tier holds: what
            the headline asks to record.
    """

    level: Level | None
    at_least: Tier
    at_most: Tier
    reasons: tuple[str, ...]
    deciding: tuple[str, ...] = ()
    top_deciding: tuple[str, ...] = ()

    @property
    def tier(self) -> Tier | None:
        """The tier when it is certain, else None."""
        return self.at_least if self.at_least is self.at_most else None


def headline(urgency: Urgency) -> str:
    """The line every output leads with: the highest possible tier first.

    "EMERGENT: high-grade compression (ESCC 3) with myelopathy at T4"; "POSSIBLY EMERGENT: record
    myelopathy at T4 (at least urgent)"; "ROUTINE: ..."; "NO SPINAL METASTASIS".
    """
    top = urgency.at_most.value.upper()
    if urgency.at_most is Tier.NONE:
        return "NO SPINAL METASTASIS"
    if urgency.tier is not None:
        return f"{top}: {urgency.reasons[0]}"
    if urgency.top_deciding:
        asked = _asked(urgency.top_deciding, urgency.level)
        text = f"POSSIBLY {top}: record {asked}"
    else:
        text = f"POSSIBLY {top}: {urgency.reasons[0]}"
    if urgency.at_least.rank >= Tier.URGENT.rank:
        text += f" (at least {urgency.at_least.value})"
    return text


def _asked(names: Sequence[str], level: Level | None) -> str:
    by_place: dict[str, list[str]] = {}
    for name in names:
        place, _, bare = name.rpartition("/")
        where = place or (level.value if level else "")
        if bare == "sacral-segment":
            where = ""  # "the segment of the sacral lesion" names its place
        by_place.setdefault(where, []).append(INPUT_WORDS.get(bare, bare))
    parts = [
        " and ".join(dict.fromkeys(words)) + (f" at {where}" if where else "")
        for where, words in by_place.items()
    ]
    return "; ".join(parts)


# --- One level --------------------------------------------------------------------------------


def _tier(high: bool, neuro: bool, total: int, mechanical: bool) -> Tier:
    if high and neuro:
        return Tier.EMERGENT
    if high or total >= SINS_UNSTABLE:
        return Tier.URGENT
    if total >= SINS_POTENTIALLY_UNSTABLE and mechanical:
        return Tier.URGENT
    return Tier.ROUTINE


World = tuple  # one value per dimension: category, neurology, then the six SINS items' points


def level_urgency(
    compression: EsccResult,
    neurology: LevelNeurology,
    sins: ScoreResult,
    out_of_scope: OutOfScope | None = None,
) -> Urgency:
    """The urgency of one level, trying every value its unknown inputs can still take."""
    level = compression.level
    if out_of_scope is OutOfScope.COCCYGEAL:
        return Urgency(
            level,
            Tier.ROUTINE,
            Tier.ROUTINE,
            ("coccygeal metastasis: outside SINS and ESCC, no criterion of urgency applies",),
        )
    if out_of_scope is not None:
        return Urgency(
            level,
            Tier.ROUTINE,
            Tier.EMERGENT,
            (
                f"{out_of_scope.value} at {level.label}: outside ESCC and SINS, a clinician judges "
                "the urgency",
            ),
        )
    # Dimensions: (names the chart could supply, values still possible).
    categories = tuple(dict.fromkeys(c for _, c in escc.completions(compression)))
    neuro_values = (neurology.present,) if neurology.present is not None else (False, True)
    dims = [(compression.missing, categories), (neurology.unknown, neuro_values)]
    dims += [(item.missing, item.possible) for item in sins.items]
    pain = [item.key for item in sins.items].index("pain") + 2
    # Every world, read through what its tier depends on (urgency_worlds.py: same answers as
    # the full product, without enumerating it).
    worlds = Worlds(dims, pain, _summary_tier)
    ranks = sorted({t.rank for t in worlds.tiers()})
    at_least, at_most = list(Tier)[ranks[0]], list(Tier)[ranks[-1]]
    deciding = worlds.deciding(lambda t: t)
    return Urgency(
        level,
        at_least,
        at_most,
        _reasons(compression, neurology, sins, worlds, at_least, at_most, deciding),
        deciding,
        worlds.deciding(lambda t: t is at_most),
    )


@lru_cache(maxsize=1024)  # few distinct arguments: 2 x 2 x the SINS totals x the pain answers
def _summary_tier(high: bool, neuro: bool, total: int, pain: int) -> Tier:
    return _tier(high, neuro, total, pain == MECHANICAL_PAIN_POINTS)


def _compression_words(result: EsccResult) -> str:
    if result.grade is not None:
        if result.category is None:
            return f"ESCC {result.grade.value} below the conus (category a clinician's judgement)"
        return f"ESCC {result.grade.value} ({result.category.value})"
    if result.category is Category.HIGH:
        return "cord compression without a grade (high-grade)"
    if result.cord_compression:
        return "compression reported below the conus (category a clinician's judgement)"
    return "ESCC grade not recorded"


def _reasons(
    compression: EsccResult,
    neurology: LevelNeurology,
    sins: ScoreResult,
    worlds: Worlds,
    at_least: Tier,
    at_most: Tier,
    deciding: tuple[str, ...],
) -> tuple[str, ...]:
    where = compression.level.label
    comp = _compression_words(compression)
    grade = compression.grade
    short = f"ESCC {grade.value}" if grade else "cord compression without a grade"
    present = [f.kind.label for f in neurology.applicable if f.value]
    findings = " or ".join(f.kind.label for f in neurology.applicable) or "neural findings"
    sins_words = f"SINS {sins.describe_total()}"
    lines: list[str] = []
    if at_most is Tier.EMERGENT:
        if at_least is Tier.EMERGENT:
            lines.append(
                f"high-grade compression ({short}) with {' and '.join(present)} at {where}"
            )
        elif present:
            lines.append(
                f"{' and '.join(present)} at {where} with {comp}: emergent if the compression is "
                "high-grade"
            )
        else:
            lines.append(f"{comp} at {where}: emergent if {findings} is present")
    if at_least is Tier.URGENT or (at_most is Tier.URGENT and at_least is not Tier.URGENT):
        seen = {
            (high, total, pain == MECHANICAL_PAIN_POINTS)
            for high, _, total, pain in worlds.summaries
        }
        lines.append(_urgent_reason(seen, short, comp, sins_words, findings, where, at_least))
    if at_most is Tier.ROUTINE:
        lines.append(
            f"spinal metastasis at {where} without an urgent criterion ({comp}; {sins_words})"
        )
    elif at_least is Tier.ROUTINE:
        lines.append(f"at least routine: spinal metastasis at {where}")
    if deciding:
        lines.append("decided by: " + ", ".join(deciding))
    lines.append(f"{where}: {comp}; {neurology.sentence()}; {sins_words}")
    return tuple(lines)


def _urgent_reason(
    worlds: set[tuple[bool, int, bool]],
    short: str,
    comp: str,
    sins_words: str,
    findings: str,
    where: str,
    at_least: Tier,
) -> str:
    """Why urgent (when certain), or what could make the level urgent."""
    if at_least is Tier.URGENT:
        if all(high for high, _, _ in worlds):
            return f"high-grade compression ({short}) without {findings} at {where}"
        if all(total >= SINS_UNSTABLE for _, total, _ in worlds):
            return f"{sins_words} (unstable) at {where}"
        if all(total >= SINS_POTENTIALLY_UNSTABLE and mech for _, total, mech in worlds):
            return f"{sins_words} with mechanical pain at {where}"
        return f"urgent at {where} whatever is still unknown ({comp}; {sins_words})"
    return (
        f"urgent if the compression at {where} is high-grade, SINS is 13 or more, or SINS is "
        f"7-12 with mechanical pain ({comp}; {sins_words})"
    )


# --- The patient --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnexplainedNeurology:
    """A myelopathy or CES present that no assessed level's compression can explain."""

    finding: str
    levels: tuple[Level, ...]


def patient_urgency(
    levels: Sequence[Urgency],
    *,
    unlocated_spinal_metastases: int = 0,
    unexplained: Sequence[UnexplainedNeurology] = (),
    leptomeningeal: bool = False,
) -> Urgency:
    """The patient's urgency: the most urgent level, plus what no level accounts for.

    A spinal metastasis without a level, or a myelopathy/CES that no assessed level explains
    (docs/clinical-rules.md §15.1), keeps ``emergent`` possible: the cause may be a level the
    chart does not describe.
    """
    if not levels and not unlocated_spinal_metastases:
        return Urgency(None, Tier.NONE, Tier.NONE, ("no spinal metastasis on record",))
    at_least = max((u.at_least for u in levels), key=lambda t: t.rank, default=Tier.ROUTINE)
    at_most = max((u.at_most for u in levels), key=lambda t: t.rank, default=Tier.ROUTINE)
    lead: list[str] = []
    deciding: list[str] = []
    top: list[str] = []
    for u in levels:
        if u.at_most is at_most:
            lead.append(u.reasons[0])
            top += [input_key(name, u.level) for name in u.top_deciding]
        if u.at_most.rank > at_least.rank:
            deciding += [input_key(name, u.level) for name in u.deciding]
    extra: list[str] = []
    levels_top = at_most
    for item in unexplained:
        at_most = Tier.EMERGENT
        assessed = ", ".join(level.label for level in item.levels) or "no assessed level"
        extra.append(
            f"{item.finding} is present and not explained by the compression at {assessed}: "
            "look for another level or cause"
        )
    if unlocated_spinal_metastases:
        at_most = Tier.EMERGENT
        deciding.append("metastasis-level")
        extra.append("a spinal metastasis is on record without a level: it cannot be assessed")
    if at_most is not levels_top:
        # The top tier now comes from what no level accounts for, not from a level's inputs.
        top = ["metastasis-level"] if unlocated_spinal_metastases and not unexplained else []
    if leptomeningeal:
        extra.append("leptomeningeal disease is on record: the spine oncology team decides")
    if at_most is Tier.EMERGENT and not any(u.at_most is Tier.EMERGENT for u in levels):
        lead = extra[:1] + lead
    reasons = [*lead, *(r for r in extra if r not in lead)]
    reasons += [f"{u.level.label}: {_range(u)}" for u in levels if u.level is not None]
    return Urgency(
        None,
        at_least,
        at_most,
        tuple(dict.fromkeys(reasons)),
        tuple(dict.fromkeys(deciding)),
        tuple(dict.fromkeys(top)),
    )


def _range(u: Urgency) -> str:
    return u.at_least.value if u.tier else f"{u.at_least.value} to {u.at_most.value}"


def unexplained_neurology(
    findings: Sequence[tuple[LevelNeurology, EsccResult]],
    patient_myelopathy: bool | None,
    patient_cauda_equina: bool | None,
) -> tuple[UnexplainedNeurology, ...]:
    """Findings present that no assessed level can explain (docs/clinical-rules.md §15.1).

    A level explains a finding when the finding can arise there and some grade still possible
    there can cause it.
    """
    out = []
    for name, patient_value in (
        ("myelopathy", patient_myelopathy),
        ("cauda-equina-syndrome", patient_cauda_equina),
    ):
        present_somewhere = patient_value is True or any(
            f.kind.value == name and f.recorded is True
            for neuro, _ in findings
            for f in neuro.findings
        )
        if not present_somewhere:
            continue
        explained = any(
            f.kind.value == name
            and f.applicable
            and f.recorded is not False
            and any(escc.can_cause_neurology(g, result.level) for g, _ in escc.completions(result))
            for neuro, result in findings
            for f in neuro.findings
        )
        if not explained:
            label = name.replace("-", " ")
            out.append(UnexplainedNeurology(label, tuple(n.level for n, _ in findings)))
    return tuple(out)

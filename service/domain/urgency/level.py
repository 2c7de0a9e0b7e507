"""The urgency of one level: every value its unknown inputs can still take is tried (§15.2)."""

from __future__ import annotations

from functools import lru_cache

from service.domain import escc
from service.domain.escc import Category, EsccResult
from service.domain.findings import OutOfScope
from service.domain.neurology import LevelNeurology
from service.domain.scoring import ScoreResult
from service.domain.urgency.tiers import (
    MECHANICAL_PAIN_POINTS,
    SINS_POTENTIALLY_UNSTABLE,
    SINS_UNSTABLE,
    Tier,
    Urgency,
)
from service.domain.urgency.worlds import Worlds


def _tier(high: bool, neuro: bool, total: int, mechanical: bool) -> Tier:
    if high and neuro:
        return Tier.EMERGENT
    if high or total >= SINS_UNSTABLE:
        return Tier.URGENT
    if total >= SINS_POTENTIALLY_UNSTABLE and mechanical:
        return Tier.URGENT
    return Tier.ROUTINE


def dimensions(
    compression: EsccResult, neurology: LevelNeurology, sins: ScoreResult
) -> tuple[list[tuple[tuple[str, ...], tuple]], int]:
    """The level's urgency inputs as dimensions, (names the chart could supply, values still
    possible): the ESCC category, the neurology, then the six SINS items; and the position of
    the SINS pain item among them."""
    categories = tuple(dict.fromkeys(c for _, c in escc.completions(compression)))
    compression_names = compression.missing
    if compression.conflict:
        # A cord compression diagnosis contradicts a low grade: the plan follows the graded
        # finding, but the urgency keeps high-grade possible until the conflict is settled
        # (docs/clinical-rules.md §15.2: never a lower tier while a higher one is possible).
        categories = tuple(dict.fromkeys((*categories, Category.HIGH)))
        compression_names = ("escc-conflict",)
    neuro_values = (neurology.present,) if neurology.present is not None else (False, True)
    dims = [(compression_names, categories), (neurology.unknown, neuro_values)]
    dims += [(item.missing, item.possible) for item in sins.items]
    pain = [item.key for item in sins.items].index("pain") + 2
    return dims, pain


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
    dims, pain = dimensions(compression, neurology, sins)
    # Every world, read through what its tier depends on (urgency/worlds.py: same answers as
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
    if result.conflict and result.grade is not None:
        return (
            f"ESCC {result.grade.value} contradicted by a spinal cord compression diagnosis "
            "(conflicting records)"
        )
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

"""The patient's urgency: the most urgent level, and what no assessed level accounts for.

docs/clinical-rules.md §15.2: the patient's tiers are the highest of its levels'; what the chart
holds that no assessed level accounts for widens the range, because its cause or its place may be
a level the chart does not describe:

- a spinal metastasis without a level (only its region, or none): at least routine, possibly
  emergent, the level decides;
- a bone metastasis without a body site: it may be spinal, so from none to emergent, the site
  decides;
- spinal cord compression without a level: compression of the cord is high-grade ESCC (§2), so
  at least urgent; emergent with myelopathy, possible while myelopathy or CES is not excluded;
- a myelopathy or CES present that no assessed level explains (§15.1), e.g. one recorded at a
  level without a metastasis or where it cannot arise: possibly emergent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from service.domain import escc
from service.domain.escc import EsccResult
from service.domain.findings import input_key
from service.domain.levels import Level, SpinalArea
from service.domain.neurology import LevelNeurology, NeuroFindingKind
from service.domain.urgency.tiers import Tier, Urgency


@dataclass(frozen=True, slots=True)
class UnexplainedNeurology:
    """A myelopathy or CES present that no assessed level's compression can explain.

    Attributes:
        finding: "myelopathy" or "cauda equina syndrome".
        levels: The assessed levels.
        recorded_at: The level a record names (its body site), when the finding was recorded for
            one level only; None for a patient-level finding.
        cannot_arise: The recorded level is one where the anatomy does not allow the finding.
    """

    finding: str
    levels: tuple[Level, ...]
    recorded_at: Level | None = None
    cannot_arise: bool = False

    @property
    def reason(self) -> str:
        """The finding and why no level explains it, in words."""
        look = "look for another level or cause"
        at = self.recorded_at
        if at is not None and self.cannot_arise:
            return f"{self.finding} is recorded at {at.label}, where it cannot arise: {look}"
        if at is not None and at not in self.levels:
            return (
                f"{self.finding} is recorded at {at.label}, where no metastasis is on record: "
                f"{look}"
            )
        if at is not None:
            return (
                f"{self.finding} is recorded at {at.label} and not explained by the compression "
                f"there: {look}"
            )
        if not self.levels:
            return (
                f"{self.finding} is present and no spinal metastasis on record explains it: " + look
            )
        assessed = ", ".join(level.label for level in self.levels)
        return (
            f"{self.finding} is present and not explained by the compression at {assessed}: " + look
        )


@dataclass(frozen=True, slots=True)
class _Part:
    """One contribution to the patient's urgency: a level's, or what no level accounts for."""

    at_least: Tier
    at_most: Tier
    reason: str
    deciding: tuple[str, ...] = ()
    top: tuple[str, ...] = ()
    is_level: bool = False


def _unlocated(areas: Sequence[SpinalArea]) -> list[_Part]:
    parts = []
    for area, count in Counter(areas).items():
        what = "a spinal metastasis" if count == 1 else f"{count} spinal metastases"
        parts.append(
            _Part(
                Tier.ROUTINE,
                Tier.EMERGENT,
                f"{what} in the {area.label} on record without a level: it cannot be assessed",
                ("metastasis-level",),
                ("metastasis-level",),
            )
        )
    return parts


def _cord_compression(myelopathy: bool | None, cauda_equina: bool | None) -> _Part:
    """Cord compression without a level: high-grade (§2); the cord lies at C1-L1 (§15.1)."""
    what = "spinal cord compression on record without a level (high-grade)"
    if myelopathy:
        return _Part(Tier.EMERGENT, Tier.EMERGENT, f"{what}, with myelopathy")
    if myelopathy is False and cauda_equina is False:
        return _Part(
            Tier.URGENT, Tier.URGENT, f"{what}, without myelopathy or cauda equina syndrome"
        )
    unknown = tuple(
        name
        for name, value in (("myelopathy", myelopathy), ("cauda-equina-syndrome", cauda_equina))
        if value is None
    )
    if cauda_equina:
        # CES arises at the conus or below: emergent if the compression is at L1.
        return _Part(
            Tier.URGENT,
            Tier.EMERGENT,
            f"{what}, with cauda equina syndrome: emergent if the compression is at the conus",
            ("cord-compression-level", *unknown),
            ("cord-compression-level", *unknown),
        )
    return _Part(
        Tier.URGENT,
        Tier.EMERGENT,
        f"{what}: emergent if myelopathy or cauda equina syndrome is present",
        (*unknown, "cord-compression-level"),
        unknown,
    )


def patient_urgency(
    levels: Sequence[Urgency],
    *,
    unlocated: Sequence[SpinalArea] = (),
    bone_unknown_site: int = 0,
    cord_compressions: int = 0,
    myelopathy: bool | None = None,
    cauda_equina: bool | None = None,
    unexplained: Sequence[UnexplainedNeurology] = (),
    leptomeningeal: bool = False,
) -> Urgency:
    """The patient's urgency: the most urgent level, plus what no level accounts for.

    Args:
        levels: Every assessed level's urgency.
        unlocated: The spinal area of each spinal metastasis on record without a level.
        bone_unknown_site: Bone metastases on record without a body site (possibly spinal).
        cord_compressions: Spinal cord compressions on record without a level.
        myelopathy, cauda_equina: The patient-level findings (for cord compression without a
            level).
        unexplained: Myelopathy or CES present that no assessed level explains.
        leptomeningeal: Leptomeningeal disease is on record (named in the reasons).
    """
    parts = [
        _Part(
            u.at_least,
            u.at_most,
            u.reasons[0],
            tuple(input_key(name, u.level) for name in u.deciding),
            tuple(input_key(name, u.level) for name in u.top_deciding),
            is_level=True,
        )
        for u in levels
    ]
    parts += _unlocated(unlocated)
    if bone_unknown_site:
        what = "a bone metastasis" if bone_unknown_site == 1 else "bone metastases"
        parts.append(
            _Part(
                Tier.NONE,
                Tier.EMERGENT,
                f"{what} on record without a body site: it may be spinal",
                ("bone-metastasis-site",),
                ("bone-metastasis-site",),
            )
        )
    if cord_compressions:
        parts.append(_cord_compression(myelopathy, cauda_equina))
    parts += [_Part(Tier.NONE, Tier.EMERGENT, item.reason) for item in unexplained]
    if not parts:
        return Urgency(None, Tier.NONE, Tier.NONE, ("no spinal metastasis on record",))
    at_least = max((p.at_least for p in parts), key=lambda t: t.rank)
    at_most = max((p.at_most for p in parts), key=lambda t: t.rank)
    reaching = [p for p in parts if p.at_most is at_most]
    # A level first, unless only what no level accounts for reaches the top tier.
    reaching.sort(key=lambda p: not p.is_level)
    top: list[str] = []
    if at_least is not at_most and all(p.top for p in reaching):
        top = [name for p in reaching for name in p.top]
    deciding = [name for p in parts if p.at_most.rank > at_least.rank for name in p.deciding]
    reasons = [p.reason for p in reaching]
    reasons += [p.reason for p in parts if not p.is_level and p not in reaching]
    if leptomeningeal:
        reasons.append("leptomeningeal disease is on record: the spine oncology team decides")
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
    elsewhere: Sequence[tuple[str, Level]] = (),
) -> tuple[UnexplainedNeurology, ...]:
    """Findings present that no assessed level can explain (docs/clinical-rules.md §15.1).

    A patient-level finding (no body site) is explained when some assessed level where it can
    arise, and where it is not recorded absent, has a grade still possible that can cause it. A
    finding recorded for one level applies to that level only, so only that level can explain it.
    ``elsewhere`` names findings recorded present at levels without a metastasis on record.
    """
    assessed = tuple(n.level for n, _ in findings)
    out: list[UnexplainedNeurology] = []

    def explains(neuro: LevelNeurology, result: EsccResult, kind: NeuroFindingKind) -> bool:
        finding = next(f for f in neuro.findings if f.kind is kind)
        return (
            finding.applicable
            and finding.recorded is not False
            and any(escc.can_cause_neurology(g, result.level) for g, _ in escc.completions(result))
        )

    for kind, patient_value in (
        (NeuroFindingKind.MYELOPATHY, patient_myelopathy),
        (NeuroFindingKind.CAUDA_EQUINA_SYNDROME, patient_cauda_equina),
    ):
        if patient_value is True and not any(explains(n, r, kind) for n, r in findings):
            out.append(UnexplainedNeurology(kind.label, assessed))
        for neuro, result in findings:
            finding = next(f for f in neuro.findings if f.kind is kind)
            if finding.at_level and finding.recorded is True and not explains(neuro, result, kind):
                out.append(
                    UnexplainedNeurology(
                        kind.label, assessed, neuro.level, cannot_arise=not finding.applicable
                    )
                )
        for name, level in elsewhere:
            if name == kind.value:
                out.append(
                    UnexplainedNeurology(
                        kind.label, assessed, level, cannot_arise=not kind.can_arise_at(level)
                    )
                )
    return tuple(out)

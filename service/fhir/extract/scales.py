"""One finding on two scales (ECOG and Karnofsky, Frankel and ASIA), and albumin in words."""

from __future__ import annotations

from typing import Any

from service.domain.neurology import Asia, Frankel, frankel_asia_agree
from service.domain.performance import PerformanceStatus, ecog_kps_agree
from service.fhir.extract.collector import Collector, enum_name


def say_albumin(value: Any) -> str:
    g_per_dl, comparator = value
    return f"{comparator.value if comparator else ''}{g_per_dl:g} g/dL"


def _across_scales(
    c: Collector, first: str, second: str, agree: bool, said: str
) -> tuple[bool, bool] | None:
    """Which of one finding's two scales to keep (docs/clinical-rules.md §15.7).

    The newest value wins across both scales; when the two disagree beyond the published
    correspondences the conflict is reported; at the same time (or undated), agreeing values both
    stand and disagreeing ones leave the finding unknown. Returns (keep first, keep second), or
    None when both are dropped.
    """
    when_first, when_second = c.chosen[first].when, c.chosen[second].when
    refs = f"{c.chosen[first].ref}, {c.chosen[second].ref}"
    if when_first and when_second and when_first != when_second:
        keep_first = when_first > when_second
        if not agree:
            c.conflicting.update((first, second))
            c.note("warning", f"{said} disagree ({refs}); the newest is used")
        c.sources.pop(second if keep_first else first)
        return keep_first, not keep_first
    if agree:
        return True, True  # both stand; the score reads its own scale first
    c.conflicting.update((first, second))
    c.note("warning", f"{said} disagree and none is the newest ({refs}); both are left unknown")
    c.sources.pop(first)
    c.sources.pop(second)
    return None


def performance_status(c: Collector) -> PerformanceStatus:
    """ECOG and Karnofsky: the newest across both scales (docs/clinical-rules.md §15.7)."""
    ecog, kps = c.resolve("ecog"), c.resolve("kps")
    if ecog is None or kps is None:
        return PerformanceStatus(ecog=ecog, kps=kps)
    keep = _across_scales(
        c, "ecog", "kps", ecog_kps_agree(ecog, kps), f"ECOG {ecog} and Karnofsky {kps}%"
    )
    if keep is None:
        return PerformanceStatus()
    return PerformanceStatus(ecog=ecog if keep[0] else None, kps=kps if keep[1] else None)


def palsy_grades(c: Collector) -> tuple[Frankel | None, Asia | None]:
    """Frankel and ASIA: the newest across both scales (docs/clinical-rules.md §15.7)."""
    frankel, asia = c.resolve("frankel-grade", enum_name), c.resolve("asia", enum_name)
    if frankel is None or asia is None:
        return frankel, asia
    keep = _across_scales(
        c,
        "asia",
        "frankel-grade",
        frankel_asia_agree(frankel, asia),
        f"Frankel {frankel.value} and AIS {asia.value}",
    )
    if keep is None:
        return None, None
    return (frankel if keep[1] else None), (asia if keep[0] else None)

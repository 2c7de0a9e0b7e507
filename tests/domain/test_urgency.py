"""Urgency tiers per level and for the patient (docs/clinical-rules.md §15.2), and the headline.

Each row is a constructed level; the tiers follow §15.2 with neurology by level (§15.1). Every
tier has rows where it applies and rows where it must not.
"""

from __future__ import annotations

import pytest

from service.domain import escc, neurology, sins, urgency
from service.domain.escc import Grade
from service.domain.findings import OutOfScope
from service.domain.levels import Level, SpinalArea
from service.domain.sins import Alignment, BoneLesion, Collapse, Pain, Posterolateral
from service.domain.urgency import Tier, headline

NONE_OF = (None, None, None, None, None)
# SINS answers (pain, bone lesion, alignment, collapse, posterolateral).
STABLE = (Pain.PAIN_FREE, BoneLesion.BLASTIC, Alignment.NORMAL, Collapse.NONE, Posterolateral.NONE)
UNSTABLE = (Pain.MECHANICAL, BoneLesion.LYTIC, Alignment.SUBLUXATION_TRANSLATION,
            Collapse.AT_LEAST_50, Posterolateral.BILATERAL)  # fmt: skip
MECHANICAL_9 = (
    Pain.MECHANICAL,
    BoneLesion.LYTIC,
    Alignment.NORMAL,
    Collapse.LESS_THAN_50,
    Posterolateral.NONE,
)  # fmt: skip  (T4: 1 + 3 + 2 + 0 + 2 + 0 = 8)
NON_MECHANICAL_8 = (Pain.OCCASIONAL_NON_MECHANICAL, BoneLesion.LYTIC, Alignment.DE_NOVO_DEFORMITY,
                    Collapse.LESS_THAN_50, Posterolateral.NONE)  # fmt: skip


def level(
    grade=None, *, cord=False, myelopathy=False, ces=False, answers=STABLE, at=Level.T4, scope=None
) -> urgency.Urgency:
    return urgency.level_urgency(
        escc.categorize(escc.Inputs(at, grade, cord)),
        neurology.at_level(at, myelopathy, ces),
        sins.score(sins.Inputs(at, *answers)),
        scope,
    )


ROWS = [
    # id, urgency, (at least, at most), deciding, headline
    ("emergent-escc3-myelopathy", level(Grade.G3, myelopathy=True),
     (Tier.EMERGENT, Tier.EMERGENT), (),
     "EMERGENT: high-grade compression (ESCC 3) with myelopathy at T4"),
    ("emergent-cord-compression-ces-at-L1", level(cord=True, ces=True, at=Level.L1),
     (Tier.EMERGENT, Tier.EMERGENT), (),
     "EMERGENT: high-grade compression (cord compression without a grade) with cauda equina "
     "syndrome at L1"),
    ("urgent-high-grade-without-myelopathy", level(Grade.G2),
     (Tier.URGENT, Tier.URGENT), (), "URGENT: high-grade compression (ESCC 2) without myelopathy "
     "at T4"),
    ("urgent-sins-unstable", level(Grade.G1A, answers=UNSTABLE), (Tier.URGENT, Tier.URGENT), (),
     "URGENT: SINS 16 (unstable) at T4"),
    ("urgent-sins-7-12-mechanical", level(Grade.G0, answers=MECHANICAL_9),
     (Tier.URGENT, Tier.URGENT), (), "URGENT: SINS 8 with mechanical pain at T4"),
    ("routine-sins-7-12-not-mechanical", level(Grade.G0, answers=NON_MECHANICAL_8),
     (Tier.ROUTINE, Tier.ROUTINE), (),
     "ROUTINE: spinal metastasis at T4 without an urgent criterion (ESCC 0 (low-grade); SINS 8)"),
    # Never routine while emergent is possible: myelopathy not recorded at a high-grade level.
    ("possibly-emergent-myelopathy-not-recorded", level(Grade.G3, myelopathy=None),
     (Tier.URGENT, Tier.EMERGENT), ("myelopathy",),
     "POSSIBLY EMERGENT: record myelopathy at T4 (at least urgent)"),
    ("possibly-emergent-grade-not-recorded", level(None, myelopathy=True),
     (Tier.ROUTINE, Tier.EMERGENT), ("escc-grade",),
     "POSSIBLY EMERGENT: record the ESCC grade at T4"),
    # Not emergent: low-grade compression cannot explain the myelopathy (§15.1).
    ("not-emergent-1a-with-myelopathy", level(Grade.G1A, myelopathy=True),
     (Tier.ROUTINE, Tier.ROUTINE), (), None),
    # Not emergent: a cauda equina syndrome cannot arise at T4 (§15.1).
    ("not-emergent-ces-at-T4", level(Grade.G3, ces=True), (Tier.URGENT, Tier.URGENT), (), None),
    # Below the conus the category is a clinician's judgement (O-3): nothing to record.
    ("below-conus-judgement", level(Grade.G2, ces=True, at=Level.L3),
     (Tier.ROUTINE, Tier.EMERGENT), (),
     "POSSIBLY EMERGENT: cauda equina syndrome at L3 with ESCC 2 below the conus (category a "
     "clinician's judgement): emergent if the compression is high-grade"),
    ("sins-unknown-may-be-urgent", level(Grade.G0, answers=NONE_OF),
     (Tier.ROUTINE, Tier.URGENT), ("sins-pain", "sins-bone-lesion", "sins-alignment",
                                   "sins-collapse", "sins-posterolateral"), None),
    # A cord compression diagnosis contradicting a low grade (docs/clinical-rules.md §15.2,
    # §15.7): the plan follows the graded finding, but until the conflict is settled the higher
    # tier stays possible and the headline says what conflicts, never a plain low grade.
    ("conflicting-1a-and-cord-compression", level(Grade.G1A, cord=True),
     (Tier.ROUTINE, Tier.URGENT), ("escc-conflict",),
     "POSSIBLY URGENT: record which compression record holds (the ESCC grade or the spinal cord "
     "compression diagnosis) at T4"),
    ("conflicting-1a-and-cord-compression-with-myelopathy",
     level(Grade.G1A, cord=True, myelopathy=True), (Tier.ROUTINE, Tier.EMERGENT),
     ("escc-conflict",), "POSSIBLY EMERGENT: record which compression record holds (the ESCC "
     "grade or the spinal cord compression diagnosis) at T4"),
    ("no-conflict-grade-2-and-cord-compression", level(Grade.G2, cord=True),
     (Tier.URGENT, Tier.URGENT), (), "URGENT: high-grade compression (ESCC 2) without myelopathy "
     "at T4"),
    ("coccyx-routine", level(at=Level.COCCYX, scope=OutOfScope.COCCYGEAL),
     (Tier.ROUTINE, Tier.ROUTINE), (), None),
    ("intramedullary-for-a-clinician", level(scope=OutOfScope.INTRAMEDULLARY),
     (Tier.ROUTINE, Tier.EMERGENT), (), None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("result", "tiers", "deciding", "line"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_level_tiers(result, tiers, deciding, line):
    assert (result.at_least, result.at_most) == tiers
    assert result.deciding == deciding
    if line is not None:
        assert headline(result) == line
    assert headline(result).startswith(
        (tiers[1].value.upper(), "POSSIBLY " + tiers[1].value.upper())
    )


def test_the_headline_asks_only_for_what_decides_the_highest_tier():
    # SINS answers may decide routine vs urgent, but only myelopathy decides emergent here.
    result = level(Grade.G3, myelopathy=None, answers=NONE_OF)
    assert "myelopathy" in result.top_deciding and "sins-pain" not in result.top_deciding
    assert headline(result) == "POSSIBLY EMERGENT: record myelopathy at T4 (at least urgent)"


# --- The patient ------------------------------------------------------------------------------


def test_no_spinal_metastasis():
    result = urgency.patient_urgency([])
    assert (result.at_least, result.at_most) == (Tier.NONE, Tier.NONE)
    assert headline(result) == "NO SPINAL METASTASIS"


def test_the_patient_leads_with_the_most_urgent_level():
    levels = [level(Grade.G1A), level(Grade.G3, myelopathy=None, at=Level.T9)]
    result = urgency.patient_urgency(levels)
    assert (result.at_least, result.at_most) == (Tier.URGENT, Tier.EMERGENT)
    assert result.deciding == ("T9/myelopathy",)
    assert headline(result) == "POSSIBLY EMERGENT: record myelopathy at T9 (at least urgent)"


PATIENT_EXTRAS = [
    # id, what no level accounts for (keyword arguments), (at least, at most), headline start.
    # docs/clinical-rules.md §15.2: the patient's tiers widen for what no assessed level covers.
    ("unlocated-spinal-metastasis", {"unlocated": (SpinalArea.VERTEBRAL_COLUMN,)},
     (Tier.ROUTINE, Tier.EMERGENT), "POSSIBLY EMERGENT: record the level of the spinal metastasis"),
    ("unlocated-in-the-thoracic-spine", {"unlocated": (SpinalArea.THORACIC,)},
     (Tier.ROUTINE, Tier.EMERGENT), "POSSIBLY EMERGENT: record the level of the spinal metastasis"),
    ("unexplained-myelopathy",
     {"unexplained": (urgency.UnexplainedNeurology("myelopathy", (Level.T4,)),)},
     (Tier.ROUTINE, Tier.EMERGENT), "POSSIBLY EMERGENT: myelopathy is present and not explained "
     "by the compression at T4"),
    ("ces-recorded-at-a-level-without-a-lesion",
     {"unexplained": (urgency.UnexplainedNeurology("cauda equina syndrome", (Level.T4,),
                                                   Level.L3),)},
     (Tier.ROUTINE, Tier.EMERGENT), "POSSIBLY EMERGENT: cauda equina syndrome is recorded at L3, "
     "where no metastasis is on record"),
    ("bone-metastasis-without-a-site", {"bone_unknown_site": 1}, (Tier.ROUTINE, Tier.EMERGENT),
     "POSSIBLY EMERGENT: record the body site of the bone metastasis"),
    ("cord-compression-without-a-level", {"cord_compressions": 1}, (Tier.URGENT, Tier.EMERGENT),
     "POSSIBLY EMERGENT: record myelopathy and cauda equina syndrome (at least urgent)"),
    ("cord-compression-with-myelopathy", {"cord_compressions": 1, "myelopathy": True},
     (Tier.EMERGENT, Tier.EMERGENT), "EMERGENT: spinal cord compression on record without a level"),
    ("cord-compression-neither-finding",
     {"cord_compressions": 1, "myelopathy": False, "cauda_equina": False},
     (Tier.URGENT, Tier.URGENT), "URGENT: spinal cord compression on record without a level"),
    ("cord-compression-with-ces", {"cord_compressions": 1, "cauda_equina": True},
     (Tier.URGENT, Tier.EMERGENT), "POSSIBLY EMERGENT: record the level of the spinal cord "
     "compression and myelopathy (at least urgent)"),
    # Negatives: nothing unaccounted; patient-level findings alone change nothing.
    ("nothing-unaccounted", {}, (Tier.ROUTINE, Tier.ROUTINE), "ROUTINE: "),
    ("findings-without-compression", {"myelopathy": False, "cauda_equina": True},
     (Tier.ROUTINE, Tier.ROUTINE), "ROUTINE: "),
]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "tiers", "start"),
    [r[1:] for r in PATIENT_EXTRAS],
    ids=[r[0] for r in PATIENT_EXTRAS],
)
def test_what_no_level_accounts_for_widens_the_patients_range(extra, tiers, start):
    result = urgency.patient_urgency([level(Grade.G1A)], **extra)
    assert (result.at_least, result.at_most) == tiers
    assert headline(result).startswith(start)


NO_LEVEL = [
    # id, what no level accounts for, (at least, at most), headline start (§15.2)
    ("nothing", {}, (Tier.NONE, Tier.NONE), "NO SPINAL METASTASIS"),
    ("bone-metastasis-without-a-site", {"bone_unknown_site": 1}, (Tier.NONE, Tier.EMERGENT),
     "POSSIBLY EMERGENT: record the body site of the bone metastasis"),
    ("unlocated-spinal-metastasis", {"unlocated": (SpinalArea.LUMBAR,)},
     (Tier.ROUTINE, Tier.EMERGENT), "POSSIBLY EMERGENT: record the level of the spinal metastasis"),
    ("cord-compression-without-a-level", {"cord_compressions": 1}, (Tier.URGENT, Tier.EMERGENT),
     "POSSIBLY EMERGENT: record myelopathy"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "tiers", "start"), [r[1:] for r in NO_LEVEL], ids=[r[0] for r in NO_LEVEL]
)
def test_without_an_assessed_level(extra, tiers, start):
    result = urgency.patient_urgency([], **extra)
    assert (result.at_least, result.at_most) == tiers
    assert headline(result).startswith(start)
    assert "ROUTINE" not in headline(result) or tiers[1] is Tier.ROUTINE


UNEXPLAINED = [
    # id, level, grade, myelopathy at the level, patient myelopathy, unexplained
    ("1a-cannot-explain", Level.T5, Grade.G1A, None, True, True),
    ("grade-unknown-might", Level.T5, None, None, True, False),
    ("myelopathy-cannot-arise-at-L3", Level.L3, Grade.G3, None, True, True),
    ("3-explains", Level.T5, Grade.G3, None, True, False),
    ("not-present", Level.T5, Grade.G1A, None, False, False),
]


@pytest.mark.parametrize(
    ("at", "grade", "own", "patient", "expected"),
    [r[1:] for r in UNEXPLAINED],
    ids=[r[0] for r in UNEXPLAINED],
)
def test_unexplained_neurology(at, grade, own, patient, expected):
    neuro = neurology.at_level(at, patient if own is None else own, None)
    result = escc.categorize(escc.Inputs(at, grade))
    found = urgency.unexplained_neurology([(neuro, result)], patient, None)
    assert bool(found) is expected


LEVEL_RECORDS = [
    # id, level, grade, finding recorded at the level (myelopathy, ces), elsewhere, unexplained
    # docs/clinical-rules.md §15.1: a record with a body site applies to its level only, so only
    # its level can explain it.
    ("myelopathy-at-T4-with-ESCC-1a", Level.T4, Grade.G1A, (True, None), (), ("myelopathy",)),
    ("myelopathy-at-T4-with-ESCC-3", Level.T4, Grade.G3, (True, None), (), ()),
    ("ces-at-L3-where-the-lesion-is-T4", Level.T4, Grade.G3, (None, None),
     (("cauda-equina-syndrome", Level.L3),), ("cauda equina syndrome",)),
    ("myelopathy-at-L3-cannot-arise", Level.L3, Grade.G3, (True, None), (), ("myelopathy",)),
    ("absent-at-T4", Level.T4, Grade.G1A, (False, None), (), ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("at", "grade", "own", "elsewhere", "expected"),
    [r[1:] for r in LEVEL_RECORDS],
    ids=[r[0] for r in LEVEL_RECORDS],
)
def test_a_finding_recorded_at_a_level_is_explained_only_there(at, grade, own, elsewhere, expected):
    neuro = neurology.at_level(
        at, *own, myelopathy_at_level=own[0] is not None, cauda_equina_at_level=own[1] is not None
    )
    # Another assessed level whose compression could explain a patient-level finding.
    other = neurology.at_level(Level.T9, None, None)
    found = urgency.unexplained_neurology(
        [(neuro, escc.categorize(escc.Inputs(at, grade))),
         (other, escc.categorize(escc.Inputs(Level.T9, None)))],
        None, None, elsewhere,
    )  # fmt: skip
    assert tuple(f.finding for f in found) == expected
    for f in found:
        assert f.reason.endswith("look for another level or cause")

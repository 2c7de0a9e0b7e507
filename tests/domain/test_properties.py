"""Properties over every completion of the unknown inputs (docs/clinical-rules.md §15.2, §15.4).

- the urgency tier of every completion lies within the reported range, and both ends are reached;
- no output says ``routine`` while ``emergent`` is possible, for a level and for the patient with
  whatever no assessed level accounts for (a metastasis without a level, a bone metastasis
  without a site, cord compression without a level, unexplained neurology);
- a plan part stated on an open plan (§15.4), stabilization included, equals that part in every
  defined completion, and a plan that differs only in stabilization stands (§9.6).
"""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import escc, neurology, noms, sins, urgency
from service.domain.escc import Grade
from service.domain.findings import StabilityCall
from service.domain.levels import Level, SpinalArea
from service.domain.noms import Plan, Radiation, Stabilization, Surgery
from service.domain.sins import Alignment, BoneLesion, Collapse, Pain, Posterolateral
from service.domain.urgency import Tier, headline
from tests.domain.test_noms import build, completions, partial_situations

STABLE_CALL, UNSTABLE_CALL = StabilityCall.STABLE, StabilityCall.UNSTABLE

SINS_FIELDS = {
    "pain": list(Pain),
    "bone_lesion": list(BoneLesion),
    "alignment": list(Alignment),
    "collapse": list(Collapse),
    "posterolateral": list(Posterolateral),
}


@st.composite
def partial_levels(draw):
    """One level with any of its urgency inputs unknown (None). Levels where the ESCC category
    follows the grade (above the conus and the conus itself), so a completion is a chart value."""
    return {
        "level": draw(st.sampled_from([Level.C5, Level.T4, Level.T12, Level.L1])),
        "grade": draw(st.sampled_from([None, *Grade])),
        "cord": draw(st.booleans()),
        "myelopathy": draw(st.sampled_from([None, True, False])),
        "ces": draw(st.sampled_from([None, True, False])),
        **{name: draw(st.sampled_from([None, *values])) for name, values in SINS_FIELDS.items()},
    }


def urgency_of(case: dict) -> urgency.Urgency:
    at = case["level"]
    return urgency.level_urgency(
        escc.categorize(escc.Inputs(at, case["grade"], case["cord"])),
        neurology.at_level(at, case["myelopathy"], case["ces"]),
        sins.score(sins.Inputs(at, *(case[name] for name in SINS_FIELDS))),
    )


def level_completions(case: dict):
    """Every chart that completes the case: each unknown answer given each of its values."""
    grades = [case["grade"]] if case["grade"] else (
        [Grade.G2, Grade.G3] if case["cord"] else list(Grade)
    )  # fmt: skip
    if case["grade"] in escc.LOW_GRADES and case["cord"]:
        # Conflicting records: either the grade or the cord compression diagnosis holds.
        grades += [Grade.G2, Grade.G3]
    choices = {
        "grade": grades,
        "myelopathy": [case["myelopathy"]] if case["myelopathy"] is not None else [True, False],
        "ces": [case["ces"]] if case["ces"] is not None else [True, False],
        **{n: [case[n]] if case[n] is not None else v for n, v in SINS_FIELDS.items()},
    }
    for combo in product(*choices.values()):
        yield {**case, **dict(zip(choices, combo, strict=True)), "cord": False}


@settings(max_examples=150, deadline=None)
@given(case=partial_levels())
def test_every_completion_lies_within_the_reported_tiers(case):
    result = urgency_of(case)
    ranks = {urgency_of(done).tier.rank for done in level_completions(case)}
    assert (min(ranks), max(ranks)) == (result.at_least.rank, result.at_most.rank)


@settings(max_examples=300, deadline=None)
@given(case=partial_levels())
def test_never_routine_while_emergent_is_possible(case):
    result = urgency_of(case)
    line = headline(result)
    assert line.startswith(
        (result.at_most.value.upper(), "POSSIBLY " + result.at_most.value.upper())
    )
    if result.at_most is Tier.EMERGENT:
        assert result.tier in (None, Tier.EMERGENT)
        assert "ROUTINE" not in line
    patient = urgency.patient_urgency([result])
    assert headline(patient).split(":")[0] == line.split(":")[0]


@st.composite
def unaccounted(draw):
    """What no assessed level accounts for (docs/clinical-rules.md §15.2), any combination."""
    return {
        "unlocated": tuple(draw(st.lists(st.sampled_from(list(SpinalArea)), max_size=2))),
        "bone_unknown_site": draw(st.integers(0, 2)),
        "cord_compressions": draw(st.integers(0, 1)),
        "myelopathy": draw(st.sampled_from([None, True, False])),
        "cauda_equina": draw(st.sampled_from([None, True, False])),
        "unexplained": tuple(
            urgency.UnexplainedNeurology("myelopathy", (Level.T4,), at)
            for at in draw(st.lists(st.sampled_from([None, Level.L3]), max_size=1))
        ),
    }


@settings(max_examples=300, deadline=None)
@given(case=partial_levels(), extra=unaccounted())
def test_the_patient_is_never_routine_while_emergent_is_possible(case, extra):
    level = urgency_of(case)
    patient = urgency.patient_urgency([level], **extra)
    line = headline(patient)
    # The patient's range holds the level's, and the headline leads with its highest tier.
    assert patient.at_least.rank >= level.at_least.rank
    assert patient.at_most.rank >= level.at_most.rank
    assert line.startswith(
        (patient.at_most.value.upper(), "POSSIBLY " + patient.at_most.value.upper())
    )
    if patient.at_most is Tier.EMERGENT:
        assert patient.tier in (None, Tier.EMERGENT)
        assert "ROUTINE" not in line
    # What no level accounts for keeps emergent possible; cord compression is at least urgent.
    if extra["unlocated"] or extra["bone_unknown_site"] or extra["unexplained"]:
        assert patient.at_most is Tier.EMERGENT
    if extra["cord_compressions"]:
        assert patient.at_least.rank >= Tier.URGENT.rank
        if extra["myelopathy"] is None or extra["cauda_equina"]:
            assert patient.at_most is Tier.EMERGENT


M_COMPLETIONS = {
    # A band, or SINS unknown: every band, and for 7-12 each surgeon's call (test_noms.py).
    "unknown": [("stable", None), ("unstable", None), ("potentially-unstable", STABLE_CALL),
                ("potentially-unstable", UNSTABLE_CALL)],
}  # fmt: skip


@st.composite
def situations_with_sins(draw):
    """A partial situation whose SINS may also be entirely unknown."""
    situation = draw(partial_situations())
    if draw(st.booleans()):
        situation["m"], situation["call"] = "unknown", None
    # Contradicting calls are a conflict of their own (test_noms.py).
    if situation["call"] and situation["m"] != "potentially-unstable":
        situation["call"] = None
    return situation


def every_completion(situation: dict) -> list[dict]:
    bands = M_COMPLETIONS.get(situation["m"])
    if bands is None:
        return list(completions(situation).values())
    return [
        done
        for band, call in bands
        for done in completions({**situation, "m": band, "call": call}).values()
    ]


PARTS = (
    ("radiation", Radiation.UNDETERMINED),
    ("surgery", Surgery.UNDETERMINED),
    ("stabilization", None),
)
STATED_STABILIZATION = (Stabilization.NONE, Stabilization.REQUIRED)


@settings(max_examples=400, deadline=None)
@given(situation=situations_with_sins())
def test_a_stated_part_of_an_open_plan_holds_in_every_defined_completion(situation):
    # docs/clinical-rules.md §15.4: on an open plan each part (radiation, surgery, stabilization)
    # is stated exactly when every defined completion has that value; a part is undetermined
    # (stabilization: undetermined or a surgical consultation) only when they disagree.
    rec = noms.recommend(build(situation))
    done = [noms.recommend(build(c)) for c in every_completion(situation)]
    triples = {(r.plan, r.radiation, r.surgery) for r in done}
    if len(triples) == 1 and next(iter(triples))[0] is not Plan.NEEDS_CLINICIAN_INPUT:
        # Every completion gives one plan with one radiation and one surgery: it stands, even
        # when the stabilization differs (special cases A and C, separation surgery).
        assert (rec.plan, rec.radiation, rec.surgery) == next(iter(triples))
    if rec.plan is not Plan.NEEDS_CLINICIAN_INPUT:
        # §9.6: a plan stands only when every completion gives it, with the same radiation and
        # surgery; the stabilization is stated when they agree, else the surgeon settles it.
        assert {(r.plan, r.radiation, r.surgery) for r in done} == {
            (rec.plan, rec.radiation, rec.surgery)
        }
        stabilizations = {r.stabilization for r in done}
        if len(stabilizations) == 1:
            assert {rec.stabilization} == stabilizations
        else:
            assert rec.stabilization is Stabilization.SURGICAL_CONSULTATION
        return
    defined = [r for r in done if r.plan is not Plan.NEEDS_CLINICIAN_INPUT] or done
    for part, undetermined in PARTS:
        stated = getattr(rec, part)
        values = {getattr(r, part) for r in defined}
        if part == "stabilization" and stated not in STATED_STABILIZATION:
            assert len(values) > 1 or values == {stated}
            continue
        if stated is not undetermined:
            assert values == {stated}, part
        else:
            assert len(values) > 1 or values == {undetermined}, part

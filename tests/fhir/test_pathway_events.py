"""The pathway's milestones read from FHIR resources (service/fhir/extract/pathway_events.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from service.domain.pathway import Milestone
from service.fhir.extract.pathway_events import pathway_events

SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
T9 = {"coding": [{"system": SCT, "code": "33766003"}]}
M = Milestone


def concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def metastasis(onset: str | None = "2026-10-01", rid: str = "met", **extra: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Condition",
        "id": rid,
        "code": concept(ICD, "C79.51"),
        "bodySite": [T9],
        **extra,
    }
    if onset:
        resource["onsetDateTime"] = onset
    return resource


def mri(started: str | None = "2026-10-20T09:30:00Z", **extra: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "ImagingStudy",
        "id": "mri",
        "status": "available",
        "series": [{"uid": "1.2", "bodySite": T9["coding"][0]}],
        **extra,
    }
    if started:
        resource["started"] = started
    return resource


def encounter(start: str, rid: str = "enc", status: str = "finished", **extra: Any):
    return {
        "resourceType": "Encounter",
        "id": rid,
        "status": status,
        "period": {"start": start},
        **extra,
    }


def procedure(code: dict[str, Any], start: str, rid: str = "proc", status: str = "completed"):
    return {
        "resourceType": "Procedure",
        "id": rid,
        "status": status,
        "code": code,
        "performedPeriod": {"start": start},
    }


NEUROSURGERY = {"serviceType": concept(SCT, "394610002")}
RADIOTHERAPY = concept(SCT, "1217123003")
CORPECTOMY = concept(CPT, "63085")
BIOPSY = concept(SCT, "86273004")
BOARD = concept(NCIT, "C93304")


def found(resources, **kwargs) -> dict[Milestone, tuple[date, str | None]]:
    events = pathway_events(resources, **kwargs)
    return {m: (e.on, e.reference) for m, e in events.found.items()}


@pytest.mark.parametrize(
    ("resources", "milestone", "expected"),
    [
        ([metastasis()], M.SYMPTOMS, (date(2026, 10, 1), "Condition/met")),
        ([metastasis(onsetPeriod={"start": "2026-09-30"}, onset=None)], M.SYMPTOMS, "2026-09-30"),
        ([metastasis(onset="2026-10")], M.SYMPTOMS, None),  # not a day
        ([metastasis(recordedDate="2026-10-01", onset=None)], M.SYMPTOMS, None),
        ([metastasis(bodySite=[])], M.SYMPTOMS, None),  # not at a vertebra
        (
            [metastasis(verificationStatus=concept("x", "refuted"))],
            M.SYMPTOMS,
            None,
        ),
        ([mri()], M.FIRST_IMAGING, (date(2026, 10, 20), "ImagingStudy/mri")),
        ([mri(status="entered-in-error")], M.FIRST_IMAGING, None),
        ([mri(series=[])], M.FIRST_IMAGING, None),  # not of the spine
        (
            [mri(series=[], procedureCode=[concept("http://loinc.org", "24980-5")])],
            M.FIRST_IMAGING,
            "2026-10-20",
        ),
        ([mri(), encounter("2026-10-23", **NEUROSURGERY)], M.SPINE_TEAM, "2026-10-23"),
        (
            [mri(), encounter("2026-10-23", status="planned", **NEUROSURGERY)],
            M.SPINE_TEAM,
            None,
        ),
        ([mri(), encounter("2026-10-23")], M.SPINE_TEAM, None),  # no specialty, no reason
        (
            [
                mri(),
                metastasis(),
                encounter("2026-10-24", reasonReference=[{"reference": "Condition/met"}]),
            ],
            M.SPINE_TEAM,
            "2026-10-24",
        ),
        (
            [mri(), encounter("2026-10-25", reasonCode=[concept(ICD, "C79.51")])],
            M.SPINE_TEAM,
            "2026-10-25",
        ),
        # An oncology visit before the spine imaging belongs to the primary's care.
        ([mri(), encounter("2026-10-19", **NEUROSURGERY)], M.SPINE_TEAM, None),
        ([mri(), procedure(BIOPSY, "2026-10-28")], M.BIOPSY, "2026-10-28"),
        ([mri(), procedure(BOARD, "2026-10-29")], M.TUMOUR_BOARD, "2026-10-29"),
        ([mri(), encounter("2026-10-29", type=[BOARD])], M.TUMOUR_BOARD, "2026-10-29"),
        ([mri(), procedure(RADIOTHERAPY, "2026-11-02")], M.TREATMENT, "2026-11-02"),
        ([mri(), procedure(CORPECTOMY, "2026-11-03")], M.TREATMENT, "2026-11-03"),
        ([mri(), procedure(RADIOTHERAPY, "2026-11-02", status="not-done")], M.TREATMENT, None),
        ([mri(), procedure(RADIOTHERAPY, "2026-11-02", status="preparation")], M.TREATMENT, None),
        # Prior radiation (before the imaging) is not this episode's treatment.
        ([mri(), procedure(RADIOTHERAPY, "2025-06-02")], M.TREATMENT, None),
        # Without imaging, the symptoms anchor the episode.
        (
            [
                metastasis(),
                procedure(RADIOTHERAPY, "2026-09-01"),
                procedure(RADIOTHERAPY, "2026-10-05", "rt2"),
            ],
            M.TREATMENT,
            (date(2026, 10, 5), "Procedure/rt2"),
        ),
    ],
)
def test_milestones(resources, milestone: Milestone, expected):
    got = found(resources).get(milestone)
    if expected is None or isinstance(expected, tuple):
        assert got == expected
    else:
        assert got is not None and got[0] == date.fromisoformat(expected)


def test_the_first_event_of_each_milestone_wins():
    resources = [
        mri(),
        procedure(CORPECTOMY, "2026-11-10", "late"),
        procedure(RADIOTHERAPY, "2026-11-01", "early"),
    ]
    event = pathway_events(resources).found[M.TREATMENT]
    assert (event.on, event.reference, event.kind) == (
        date(2026, 11, 1),
        "Procedure/early",
        "radiotherapy",
    )


def test_types_not_read_are_not_looked_for():
    events = pathway_events([mri()], read_types={"ImagingStudy", "Condition", "Procedure"})
    assert M.SPINE_TEAM not in events.looked_for  # no Encounters read: unknown, not "none"
    assert M.TUMOUR_BOARD not in events.looked_for
    assert M.TREATMENT in events.looked_for
    everything = pathway_events([mri()])
    assert everything.looked_for == frozenset(Milestone)


def test_references_inside_a_bundle_are_resolved():
    resources = [
        mri(),
        metastasis(rid="m1"),
        encounter("2026-10-22", reasonReference=[{"reference": "urn:uuid:abc"}]),
    ]
    got = found(resources, local={"urn:uuid:abc": "Condition/m1"})
    assert got[M.SPINE_TEAM][0] == date(2026, 10, 22)
    assert M.SPINE_TEAM not in found(resources)


def test_malformed_resources_are_ignored():
    resources: list[Any] = [
        "not a resource",
        {"resourceType": "Procedure", "status": "completed", "code": "x", "performedPeriod": 3},
        {"resourceType": "Encounter", "status": "finished", "period": {"start": 20261020}},
        mri(started="yesterday"),
    ]
    assert pathway_events(resources).found == {}

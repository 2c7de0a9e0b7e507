"""Recognizing spine orders in order-select/order-sign draft orders, and the levels they concern."""

from __future__ import annotations

import json

import pytest

from service.cds.orders import OrderKind, classify, draft_orders, levels_of_regions, spine_orders
from service.domain.levels import Level, Region
from service.fhir import codes
from tests.cds.tokens import CDS_DATA

HOOKS = CDS_DATA / "hooks"
CERVICAL = levels_of_regions([Region.CERVICAL])
THORACIC = levels_of_regions([Region.THORACIC])
LUMBAR = levels_of_regions([Region.LUMBAR])
WHOLE_SPINE = frozenset(Level)


def order(code=None, body_sites=(), category=None, **fields) -> dict:
    resource = {
        "resourceType": "ServiceRequest",
        "id": "sr-1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
    }
    if code:
        resource["code"] = {"coding": [{"system": code[0], "code": code[1]}]}
    if body_sites:
        resource["bodySite"] = [
            {"coding": [{"system": codes.SNOMED, "code": codes.VERTEBRA[level].code}]}
            for level in body_sites
        ]
    if category:
        resource["category"] = [{"coding": [category.coding()]}]
    resource.update(fields)
    return resource


@pytest.mark.parametrize(
    ("resource", "kind", "levels", "named"),
    [
        # LOINC/RSNA playbook names (docs/cds-hooks.md): MR Cervical spine; MR Thoracic spine W
        # contrast IV; CT Lumbar spine; CT Spine W contrast IV (the whole spine).
        (order((codes.LOINC, "24935-9")), OrderKind.SPINE_IMAGING, CERVICAL, False),
        (order((codes.LOINC, "24982-1")), OrderKind.SPINE_IMAGING, THORACIC, False),
        (order((codes.LOINC, "24963-1")), OrderKind.SPINE_IMAGING, LUMBAR, False),
        (order((codes.LOINC, "24987-0")), OrderKind.SPINE_IMAGING, WHOLE_SPINE, False),
        # CPT as the CDS Hooks sandbox's PAMA tab sends it: MRI thoracic spine without contrast.
        (order((codes.CPT, "72146")), OrderKind.SPINE_IMAGING, THORACIC, False),
        # SNOMED CT (Belgian eReferral value set): MRI of spine.
        (order((codes.SNOMED, "241645008")), OrderKind.SPINE_IMAGING, WHOLE_SPINE, False),
        # The bodySite narrows the code's region to the levels it names.
        (
            order((codes.CPT, "72146"), body_sites=[Level.T4, Level.T5]),
            OrderKind.SPINE_IMAGING,
            frozenset({Level.T4, Level.T5}),
            True,
        ),
        # Radiotherapy course of treatment (mCODE) to T7.
        (
            order((codes.SNOMED, "1217123003"), body_sites=[Level.T7]),
            OrderKind.RADIOTHERAPY,
            frozenset({Level.T7}),
            True,
        ),
        (order((codes.SNOMED, "108290001")), OrderKind.RADIOTHERAPY, WHOLE_SPINE, False),
        # Lumbar laminectomy with decompression (CPT 63047) without a bodySite: the whole spine.
        (order((codes.CPT, "63047")), OrderKind.SPINE_SURGERY, WHOLE_SPINE, False),
        # An unknown code, but an imaging or surgical order at a vertebra.
        (
            order((codes.SNOMED, "0000"), body_sites=[Level.L2], category=codes.CATEGORY_IMAGING),
            OrderKind.SPINE_IMAGING,
            frozenset({Level.L2}),
            True,
        ),
        (
            order(body_sites=[Level.C5], category=codes.CATEGORY_SURGICAL),
            OrderKind.SPINE_SURGERY,
            frozenset({Level.C5}),
            True,
        ),
    ],
)
def test_spine_orders_are_recognized(resource, kind, levels, named):
    found = classify(resource, "p1")
    assert found is not None
    assert (found.kind, found.levels, found.levels_named) == (kind, levels, named)
    assert found.reference == "ServiceRequest/sr-1"


@pytest.mark.parametrize(
    "resource",
    [
        order((codes.LOINC, "24590-2")),  # MR Brain: not the spine
        order((codes.CPT, "70551")),  # MRI brain (CPT)
        order(category=codes.CATEGORY_IMAGING),  # imaging of something unnamed
        order((codes.SNOMED, "0000"), category=codes.CATEGORY_SURGICAL),  # surgery, no vertebra
        order((codes.LOINC, "24935-9"), status="entered-in-error"),
        order((codes.LOINC, "24935-9"), subject={"reference": "Patient/someone-else"}),
        order((codes.LOINC, "24935-9"), resourceType="MedicationRequest"),
        {
            **order(),
            "code": {"coding": ["not a coding", {"system": 1, "code": None}]},
            "bodySite": "T4",
        },
    ],
)
def test_other_orders_concern_no_level(resource):
    assert classify(resource, "p1") is None


def test_an_absolute_patient_reference_is_the_same_patient():
    resource = order((codes.LOINC, "24935-9"), subject={"reference": "https://ehr/fhir/Patient/p1"})
    assert classify(resource, "p1") is not None


def hook_context(name: str) -> dict:
    return json.loads((HOOKS / name).read_text(encoding="utf-8"))["context"]


def test_the_spec_examples_hold_no_spine_order():
    # CDS Hooks docs' R4 examples: a pureed diet and amoxicillin (tests/data/cds-hooks/ORIGIN.md).
    select = hook_context("order-select-context-r4.json")
    sign = hook_context("order-sign-context-r4.json")
    assert [r["resourceType"] for r in draft_orders("order-select", select)] == [
        "NutritionOrder",
        "MedicationRequest",
    ]
    assert spine_orders("order-select", select) == ()
    assert spine_orders("order-sign", sign) == ()


def test_order_select_looks_at_the_selections_only():
    context = {
        "patientId": "p1",
        "selections": ["ServiceRequest/mri"],
        "draftOrders": {
            "resourceType": "Bundle",
            "entry": [
                {"resource": order((codes.CPT, "63047"), id="surgery")},
                {"resource": order((codes.CPT, "72141"), id="mri")},
                "not an entry",
                {"resource": "not a resource"},
            ],
        },
    }
    [selected] = spine_orders("order-select", context)
    assert (selected.kind, selected.reference) == (OrderKind.SPINE_IMAGING, "ServiceRequest/mri")
    signed = spine_orders("order-sign", context)
    assert [o.reference for o in signed] == ["ServiceRequest/surgery", "ServiceRequest/mri"]

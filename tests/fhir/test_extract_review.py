"""Extraction of what the clinical review changed (docs/clinical-rules.md §15), table by table.

Resources are built here (tests/fhir/builders.py); each table has rows where the rule applies
and rows where it must not.
"""

from __future__ import annotations

from typing import Any

import pytest

from service.domain.assessment import assess
from service.domain.findings import OutOfScope
from service.domain.histology import Radiosensitivity
from service.domain.levels import Level
from service.domain.metastases import Count
from service.fhir import codes
from service.fhir.extract import extract
from tests.fhir.builders import PATIENT, condition, loinc_obs, so_obs, spine_met


def run(*resources: dict[str, Any]):
    return extract([PATIENT, *resources])


def lesion(x, level: str):
    (found,) = [le for le in x.findings.lesions if le.level is Level(level)]
    return found


# --- docs/clinical-rules.md §15.1 neurology with a vertebral body site applies to that level only

NEURO_SITES = [
    # id, resources, expected per level {level: (myelopathy, cauda_equina)}, patient (m, ces)
    ("myelopathy-observation-at-T4",
     (so_obs("my", "myelopathy", boolean=True, level="T4"),),
     {"T4": (True, None), "T9": (None, None)}, (None, None)),
    ("myelopathy-observation-without-site",
     (so_obs("my", "myelopathy", boolean=True),),
     {"T4": (None, None), "T9": (None, None)}, (True, None)),
    ("ces-condition-at-L3",
     (condition("ces", (codes.SNOMED, "192970008"), levels=("L3",)),),
     {"T4": (None, None), "L3": (None, True)}, (None, None)),
    ("ces-condition-without-site",
     (condition("ces", (codes.ICD10, "G83.4")),),
     {"T4": (None, None), "T9": (None, None)}, (None, True)),
    # The level's own record competes by date with the patient's: the newest wins.
    ("newer-patient-record-wins-at-the-level",
     (so_obs("old", "myelopathy", boolean=True, level="T4", when="2026-01-01"),
      so_obs("new", "myelopathy", boolean=False, when="2026-09-01")),
     {"T4": (False, None), "T9": (None, None)}, (False, None)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("resources", "per_level", "patient"),
    [row[1:] for row in NEURO_SITES],
    ids=[row[0] for row in NEURO_SITES],
)
def test_15_1_neurology_body_sites(resources, per_level, patient):
    mets = [spine_met(f"m-{level}", level) for level in per_level]
    x = run(*mets, *resources)
    for level, (myelopathy, ces) in per_level.items():
        found = lesion(x, level)
        assert (found.myelopathy, found.cauda_equina) == (myelopathy, ces), level
    assert (x.findings.myelopathy, x.findings.cauda_equina) == patient


def test_15_1_the_level_record_is_the_source_and_a_disagreement_is_a_conflict():
    x = run(
        spine_met("m", "T4"),
        so_obs("old", "myelopathy", boolean=True, level="T4", when="2026-01-01"),
        so_obs("new", "myelopathy", boolean=False, when="2026-09-01"),
    )
    assert x.sources["T4/myelopathy"] == ("Observation/new",)
    assert "T4/myelopathy" in x.findings.conflicting


def test_15_1_a_finding_recorded_where_it_cannot_arise_is_reported_not_used():
    # Kept as recorded (so the patient's urgency sees a finding no level explains), but no
    # input of the level: not applicable there.
    x = run(spine_met("m", "L3"), so_obs("my", "myelopathy", boolean=True, level="L3"))
    assert lesion(x, "L3").myelopathy is True
    assert any("cannot arise" in i.message and i.resource == "Observation/my" for i in x.issues)
    (la,) = assess(x.findings).levels
    assert not la.neurology.myelopathy.applicable
    assert "L3/myelopathy" not in la.noms_inputs


# --- docs/clinical-rules.md §15.6 primary cancer


def morphology(code: str, display: str | None = None) -> list[dict[str, Any]]:
    coding = {"system": codes.ICDO3, "code": code}
    if display:
        coding["display"] = display
    return [{"url": codes.MCODE_HISTOLOGY_EXTENSION, "valueCodeableConcept": {"coding": [coding]}}]


PRIMARY_STATUS = [
    # id, clinical, verification, with a spinal metastasis, counted
    ("resolved-with-spinal-metastasis", "resolved", "confirmed", True, True),
    ("remission-with-spinal-metastasis", "remission", "confirmed", True, True),
    ("inactive-with-spinal-metastasis", "inactive", "confirmed", True, True),
    ("resolved-without-spinal-metastasis", "resolved", "confirmed", False, False),
    ("refuted-with-spinal-metastasis", "active", "refuted", True, False),
    ("entered-in-error-with-spinal-metastasis", "resolved", "entered-in-error", True, False),
]


@pytest.mark.parametrize(
    ("clinical", "verification", "spinal", "counted"),
    [row[1:] for row in PRIMARY_STATUS],
    ids=[row[0] for row in PRIMARY_STATUS],
)
def test_15_6_a_resolved_primary_counts_while_a_spinal_metastasis_is_active(
    clinical, verification, spinal, counted
):
    breast = condition(
        "b", (codes.ICD10CM, "C50.911"), clinical=clinical, verification=verification
    )
    x = run(breast, *([spine_met("m", "T9")] if spinal else []))
    assert bool(x.findings.primaries) is counted
    if counted:
        (primary,) = x.findings.primaries
        # The status in words: "recorded as in remission", never "recorded as remission".
        words = {"remission": "in remission"}.get(clinical, clinical)
        assert primary.description == f"breast (recorded as {words})"
        assert "recorded as remission" not in " ".join(i.message for i in x.issues)
        assert x.sources["primary-cancer"] == ("Condition/b",)


PRIMARY_CODES = [
    # id, codings, extension, radiosensitivity, description, other cancers
    ("unknown-primary-with-adenocarcinoma", ((codes.ICD10CM, "C80.1"),),
     morphology("8140/3", "Adenocarcinoma, NOS"), Radiosensitivity.UNCLASSIFIED,
     "Adenocarcinoma, NOS (unknown primary site)", ()),
    ("unknown-primary-with-an-unmapped-morphology", ((codes.ICD10CM, "C80.1"),),
     morphology("8010/3"), Radiosensitivity.UNCLASSIFIED, "ICD-O-3 8010/3 (unknown primary site)",
     ()),
    ("unknown-primary-without-morphology", ((codes.ICD10CM, "C80.1"),), None,
     Radiosensitivity.UNKNOWN, "unknown primary site", ()),
    # Morphology names a cell type, not a site (§15.6): lung adenocarcinoma is NSCLC, colon's not.
    ("lung-adenocarcinoma", ((codes.ICD10CM, "C34.90"),), morphology("8140/3", "Adenocarcinoma"),
     Radiosensitivity.RESISTANT, "Adenocarcinoma (lung, non-small-cell)", ()),
    ("colon-adenocarcinoma", ((codes.ICD10CM, "C18.9"),), morphology("8140/3", "Adenocarcinoma"),
     Radiosensitivity.RESISTANT, "Adenocarcinoma (colon)", ()),
    ("merkel-cell-c4a", ((codes.ICD10CM, "C4A.9"),), None, Radiosensitivity.UNCLASSIFIED,
     "cancer coded ICD-10-CM C4A.9", ()),
    # A basal cell morphology rules the cancer out only with a skin or unknown site (§15.6):
    # on a prostate code it is a (rare) basal cell carcinoma of the prostate, a primary.
    ("basal-cell-morphology-on-a-prostate-code", ((codes.ICD10CM, "C61"),),
     morphology("8090/3", "Basal cell carcinoma, NOS"), Radiosensitivity.SOLID,
     "Basal cell carcinoma, NOS (prostate)", ()),
    ("unmapped-icd-code-keeps-its-display",
     ({"system": codes.ICD10CM, "code": "C47.9",
       "display": "Malignant neoplasm of peripheral nerves, unspecified"},), None,
     Radiosensitivity.UNCLASSIFIED,
     "Malignant neoplasm of peripheral nerves, unspecified (ICD-10-CM C47.9)", ()),
]  # fmt: skip


def _coded(rid: str, codings, extension=None, **extra):
    resource = condition(rid, **extra)
    resource["code"] = {
        "coding": [c if isinstance(c, dict) else {"system": c[0], "code": c[1]} for c in codings]
    }
    if extension:
        resource["extension"] = extension
    return resource


@pytest.mark.parametrize(
    ("codings", "extension", "radiosensitivity", "description", "others"),
    [row[1:] for row in PRIMARY_CODES],
    ids=[row[0] for row in PRIMARY_CODES],
)
def test_15_6_primary_codes(codings, extension, radiosensitivity, description, others):
    x = run(_coded("p", codings, extension), spine_met("m", "T9"))
    (primary,) = x.findings.primaries
    assert primary.radiosensitivity is radiosensitivity
    assert primary.description == description
    assert "non-small-cell" not in description or "lung" in description
    assert x.findings.other_cancers == others


def test_15_6_an_unmapped_snomed_primary_marked_by_the_mcode_profile_is_shown_not_dropped():
    cancer = _coded(
        "p",
        ({"system": codes.SNOMED, "code": "363346000", "display": "Malignant neoplastic disease"},),
        meta={"profile": [codes.MCODE_PRIMARY_CANCER_PROFILE]},
    )
    x = run(cancer, spine_met("m", "T9"))
    (primary,) = x.findings.primaries
    assert primary.radiosensitivity is Radiosensitivity.UNCLASSIFIED
    assert primary.description == "Malignant neoplastic disease (SNOMED CT 363346000)"
    assert any("mapping table" in i.message for i in x.issues)


NOT_CANDIDATES = [
    # id, codings, extension
    ("basal-cell-carcinoma-c44", ((codes.ICD10CM, "C44.91"),), None),
    ("squamous-cell-carcinoma-of-skin-c44", ((codes.ICD10, "C44.9"),), None),
    ("ductal-carcinoma-in-situ-d05", ((codes.ICD10CM, "D05.11"),), None),
    ("in-situ-morphology", ((codes.ICD10CM, "C50.911"),), morphology("8500/2")),
    ("basal-cell-morphology", ((codes.SNOMED, "363346000"),), morphology("8090/3")),
    ("basal-cell-morphology-unknown-primary", ((codes.ICD10CM, "C80.1"),), morphology("8090/3")),
    ("basal-cell-morphology-skin-site", ((codes.ICD10CM, "C43.9"),), morphology("8090/3")),
]


@pytest.mark.parametrize(
    ("codings", "extension"),
    [row[1:] for row in NOT_CANDIDATES],
    ids=[r[0] for r in NOT_CANDIDATES],
)
def test_15_6_skin_and_in_situ_cancers_are_listed_and_never_block(codings, extension):
    breast = condition("b", (codes.ICD10CM, "C50.911"))
    other = _coded("o", codings, extension)
    x = run(breast, other, spine_met("m", "T9"))
    # In situ as a morphology of a breast code: the Condition is not a candidate at all, so the
    # other (active, invasive) breast cancer alone is the primary.
    assert [p.description for p in x.findings.primaries] == ["breast"]
    assert x.findings.radiosensitivity is Radiosensitivity.SOLID
    assert len(x.findings.other_cancers) == 1
    assert "not a candidate primary" in x.findings.other_cancers[0]


def test_15_6_a_skin_cancer_alone_is_no_primary():
    x = run(_coded("o", ((codes.ICD10CM, "C44.91"),)), spine_met("m", "T9"))
    assert x.findings.primaries == ()
    assert x.findings.other_cancers


SECONDARY_CODES = [
    # id, code, vertebral site, spinal lesion
    ("c7b03-bone-at-T9", "C7B.03", ("T9",), True),
    ("c79-51-bone-at-T9", "C79.51", ("T9",), True),
    ("c7b02-liver-is-no-spinal-lesion", "C7B.02", (), False),
]


@pytest.mark.parametrize(
    ("code", "levels", "spinal"),
    [r[1:] for r in SECONDARY_CODES],
    ids=[r[0] for r in SECONDARY_CODES],
)
def test_15_6_secondary_neuroendocrine_tumour_of_bone_is_a_spinal_metastasis(code, levels, spinal):
    x = run(condition("m", (codes.ICD10CM, code), levels=levels))
    assert bool(x.findings.lesions) is spinal
    # C7B is a metastasis code, never a primary cancer.
    assert x.findings.primaries == ()


# --- docs/clinical-rules.md §15.7 conflicts and precedence across scales


SCALES = [
    # id, (ecog, when), (kps, when), (ecog kept, kps kept), conflict
    ("newer-ecog-wins", (3, "2026-10-05"), (80, "2026-09-01"), (3, None), True),
    ("newer-kps-wins", (1, "2026-09-01"), (80, "2026-10-05"), (None, 80), False),
    ("same-time-agreeing-both-stand", (1, "2026-10-05"), (80, "2026-10-05"), (1, 80), False),
    ("same-time-disagreeing-unknown", (4, "2026-10-05"), (90, "2026-10-05"), (None, None), True),
]


@pytest.mark.parametrize(
    ("ecog", "kps", "kept", "conflict"), [r[1:] for r in SCALES], ids=[r[0] for r in SCALES]
)
def test_15_7_ecog_and_karnofsky(ecog, kps, kept, conflict):
    x = run(
        loinc_obs("e", codes.LOINC_ECOG, ecog[1], valueInteger=ecog[0]),
        loinc_obs("k", codes.LOINC_KARNOFSKY, kps[1], valueInteger=kps[0]),
    )
    p = x.findings.performance
    assert (p.ecog, p.kps) == kept
    assert ({"ecog", "kps"} <= x.findings.conflicting) is conflict
    if conflict:
        assert any("Observation/e" in i.message and "Observation/k" in i.message for i in x.issues)


PALSY = [
    # id, (frankel, when), (asia, when), (frankel kept, asia kept), conflict
    ("newer-asia-wins-and-disagrees", ("frankel-e", "2026-09-01"), ("A", "2026-10-05"),
     (None, "A"), True),
    ("same-time-e-and-d-unknown", ("frankel-e", "2026-10-05"), ("D", "2026-10-05"),
     (None, None), True),
    ("same-time-c-and-d-agree", ("frankel-c", "2026-10-05"), ("D", "2026-10-05"), ("C", "D"),
     False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("frankel", "asia", "kept", "conflict"), [r[1:] for r in PALSY], ids=[r[0] for r in PALSY]
)
def test_15_7_frankel_and_asia(frankel, asia, kept, conflict):
    x = run(
        so_obs("f", "frankel-grade", answer=frankel[0], when=frankel[1]),
        loinc_obs("a", codes.LOINC_ASIA, asia[1], valueString=asia[0]),
    )
    f = x.findings
    got = (f.frankel.value if f.frankel else None, f.asia.value if f.asia else None)
    assert got == kept
    assert ({"frankel-grade", "asia"} <= f.conflicting) is conflict


def test_15_7_two_values_at_the_same_time_leave_the_finding_unknown_and_name_both():
    x = run(
        spine_met("m", "T9"),
        so_obs("a", "myelopathy", boolean=True, when="2026-10-05T10:00:00Z"),
        so_obs("b", "myelopathy", boolean=False, when="2026-10-05T10:00:00Z"),
    )
    assert x.findings.myelopathy is None
    assert "myelopathy" in x.findings.conflicting
    (issue,) = [i for i in x.issues if i.message.startswith("myelopathy:")]
    assert "Observation/a" in issue.message and "Observation/b" in issue.message


# --- docs/clinical-rules.md §15.8 laboratory values: comparators are bounds, implausible albumin is
# not used

ALBUMIN = [
    # id, quantity, (g/dL, comparator) read, NESMS albumin points
    ("below-3-5-is-below-the-threshold", {"value": 3.5, "comparator": "<", "code": "g/dL"},
     (3.5, "<"), (0,)),
    ("below-4-0-is-unknown", {"value": 4.0, "comparator": "<", "code": "g/dL"},
     (4.0, "<"), (0, 1)),
    ("at-least-3-5-is-normal", {"value": 35, "comparator": ">=", "code": "g/L"},
     (3.5, ">="), (1,)),
    ("plain-value", {"value": 3.4, "code": "g/dL"}, (3.4, None), (0,)),
    ("implausible-g-per-dl", {"value": 35, "code": "g/dL"}, None, (0, 1)),
    ("implausible-g-per-l", {"value": 3.5, "code": "g/L"}, None, (0, 1)),
    ("not-a-bound", {"value": 3.5, "comparator": "ad", "code": "g/dL"}, None, (0, 1)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("quantity", "read", "points"), [r[1:] for r in ALBUMIN], ids=[r[0] for r in ALBUMIN]
)
def test_15_8_albumin(quantity, read, points):
    from service.domain.assessment import assess

    quantity = {**quantity, "system": codes.UCUM, "unit": quantity["code"]}
    x = run(loinc_obs("alb", "1751-7", "2026-10-01", valueQuantity=quantity))
    f = x.findings
    got = (f.albumin_g_per_dl, f.albumin_comparator.value if f.albumin_comparator else None)
    assert got == (read or (None, None))
    if read is None:
        assert any(i.resource == "Observation/alb" and "not used" in i.message for i in x.issues)
    assert assess(f).nesms.item("albumin").possible == points


# --- docs/clinical-rules.md §15.9 prior radiation to a region, or next to the level


def radiotherapy(rid: str, *site_codes: str) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": rid,
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "performedDateTime": "2025-01-01",
        "code": {"coding": [{"system": codes.SNOMED, "code": "1217123003"}]},
        "bodySite": [{"coding": [{"system": codes.SNOMED, "code": c}]} for c in site_codes],
    }


THORACIC, LUMBAR, SACRUM = "35769007", "73903008", "54735007"
T8, T10, L2 = "77435000", "48405002", "53983007"
RADIATION = [
    # id, lesions, radiotherapy sites, {level: (prior radiation, adjacent levels)}
    ("thoracic-region-covers-T9-and-T12", ("T9", "T12"), (THORACIC,),
     {"T9": (True, ()), "T12": (True, ())}),
    ("thoracic-region-is-adjacent-to-L1", ("L1",), (THORACIC,), {"L1": (None, ("T12",))}),
    ("lumbar-region-covers-L3-not-T9", ("T9", "L3"), (LUMBAR,),
     {"T9": (None, ()), "L3": (True, ())}),
    ("sacrum-covers-a-sacral-segment", ("S3",), (SACRUM,), {"S3": (True, ())}),
    ("sacral-segment-covers-the-unsegmented-sacrum", ("sacrum",), ("49967005",),
     {"sacrum": (True, ())}),
    ("adjacent-level-T8", ("T9",), (T8,), {"T9": (None, ("T8",))}),
    ("both-neighbours", ("T9",), (T8, T10), {"T9": (None, ("T8", "T10"))}),
    ("same-level-is-special-h-not-adjacency", ("T9",), ("33766003",), {"T9": (True, ())}),
    ("two-levels-away-is-nothing", ("T9",), ("71737002",), {"T9": (None, ())}),
    ("l2-next-to-l1", ("L1",), (L2,), {"L1": (None, ("L2",))}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("lesions", "sites", "expected"), [r[1:] for r in RADIATION], ids=[r[0] for r in RADIATION]
)
def test_15_9_prior_radiation_by_region_and_adjacency(lesions, sites, expected):
    x = run(*(spine_met(f"m{i}", lv) for i, lv in enumerate(lesions)), radiotherapy("rt", *sites))
    for level, (prior, adjacent) in expected.items():
        found = lesion(x, level)
        assert found.prior_radiation is prior, level
        assert tuple(lv.value for lv in found.prior_radiation_adjacent) == adjacent, level
        if adjacent:
            assert x.sources[f"{level}/prior-radiation-adjacent"] == ("Procedure/rt",)
    # Radiotherapy on or beside a lesion is used, so it raises no "not used" warning; two
    # levels away it is not used and says so.
    used = any(prior or adjacent for prior, adjacent in expected.values())
    warned = any("not used" in i.message and "prior-radiation" in i.message for i in x.issues)
    assert warned is not used


def test_15_9_a_region_denied_by_an_observation():
    denial = so_obs(
        "no", "prior-radiation", boolean=False, bodySite={"coding": [
            {"system": codes.SNOMED, "code": THORACIC}]}
    )  # fmt: skip
    x = run(spine_met("m", "T9"), denial)
    assert lesion(x, "T9").prior_radiation is False


# --- docs/clinical-rules.md §15.10 sacrum and coccyx

SACRUM_AND_COCCYX = [
    # id, bodySite code, lesion level, out of scope, extraspinal count
    ("sacrum-without-segment", "54735007", "sacrum", None, Count(0, None)),
    ("sacral-segment", "49967005", "S3", None, Count(0, None)),
    ("coccyx", "64688005", "coccyx", OutOfScope.COCCYGEAL, Count(0, None)),
    # Negative: a femur metastasis is extraspinal bone.
    ("femur", "71341001", None, None, Count(1, None)),
]


@pytest.mark.parametrize(
    ("site", "level", "scope", "extraspinal"),
    [r[1:] for r in SACRUM_AND_COCCYX],
    ids=[r[0] for r in SACRUM_AND_COCCYX],
)
def test_15_10_sacral_and_coccygeal_lesions_are_never_extraspinal_bone(
    site, level, scope, extraspinal
):
    x = run(condition("m", (codes.ICD10CM, "C79.51"), sites=(site,)))
    assert [le.level.value for le in x.findings.lesions] == ([level] if level else [])
    if level:
        assert lesion(x, level).out_of_scope is scope
        assert x.focus[Level(level)] == ("Condition/m",)
    assert x.findings.metastases.extraspinal_bone == extraspinal
    # The coccyx is no vertebral body for Tokuhashi's count.
    vertebral = x.findings.metastases.vertebral.low
    assert vertebral == 1


# --- docs/clinical-rules.md §15.11 leptomeningeal disease

LEPTOMENINGEAL = [
    # id, codings, sites, leptomeningeal, warning
    ("c79-32", (codes.ICD10CM, "C79.32"), (), True, False),
    ("c79-49-without-a-site-is-only-reported", (codes.ICD10CM, "C79.49"), (), False, True),
    ("c79-49-on-the-cord-is-intramedullary", (codes.ICD10CM, "C79.49"), ("2748008",), False,
     False),
    ("brain-is-not-leptomeningeal", (codes.ICD10CM, "C79.31"), (), False, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("coding", "sites", "expected", "warning"),
    [r[1:] for r in LEPTOMENINGEAL],
    ids=[r[0] for r in LEPTOMENINGEAL],
)
def test_15_11_leptomeningeal_disease(coding, sites, expected, warning):
    x = run(spine_met("m", "T9"), condition("lm", coding, sites=sites))
    assert x.findings.leptomeningeal is expected
    warned = any(i.resource == "Condition/lm" and "leptomeningeal" in i.message for i in x.issues)
    assert warned is warning

"""Build the synthetic demo patients in ``service/demo/patients/`` as FHIR R4 transaction Bundles.

Each scenario is a compact description of one patient, written out the way an EHR would hold it
under the data contract (docs/fhir-input.md): the primary cancer and the spinal metastases as
Conditions, the radiology findings as imaging Observations with a vertebral bodySite, neurology
and clinician judgements as Observations, radiotherapy as a Procedure, the MRI as an ImagingStudy;
the pathway after the MRI (spine-team visit, biopsy, tumour board, surgery) as an Encounter and
Procedures.
All names and dates are invented. Run ``python -m sandbox.build_patients`` to rewrite the files;
``tests/sandbox/test_demo_patients.py`` checks that the committed files match this module.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SO = "http://noms-cds.org/fhir/CodeSystem/spine-oncology"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PATIENTS_DIR = Path(__file__).resolve().parent.parent / "service" / "demo" / "patients"
_NAMESPACE = uuid.UUID("0b7e4f3a-5d8c-4c61-9e2b-6a1d2f9c8e40")

# Vertebral body SNOMED CT codes of the levels used (docs/clinical-rules.md §11.3).
VERTEBRA = {
    "C5": ("67479001", "Structure of body of fifth cervical vertebra"),
    "T4": ("86197001", "Structure of body of fourth thoracic vertebra"),
    "T5": ("6105006", "Structure of body of fifth thoracic vertebra"),
    "T6": ("32430008", "Structure of body of sixth thoracic vertebra"),
    "T7": ("71737002", "Structure of body of seventh thoracic vertebra"),
    "T8": ("77435000", "Structure of body of eighth thoracic vertebra"),
    "T9": ("33766003", "Structure of body of ninth thoracic vertebra"),
    "T10": ("48405002", "Structure of body of tenth thoracic vertebra"),
    "T11": ("52120002", "Structure of body of eleventh thoracic vertebra"),
    "T12": ("280849005", "Entire body of twelfth thoracic vertebra"),
    "L1": ("61032001", "Structure of body of first lumbar vertebra"),
    "L3": ("55492004", "Structure of body of third lumbar vertebra"),
    "sacrum": ("54735007", "Sacrum"),  # a sacral lesion whose segment is not given
}
# Spinal regions as radiotherapy body sites (docs/clinical-rules.md §15.9).
THORACIC_SPINE = ("35769007", "Bone structure of thoracic vertebra")


@dataclass(frozen=True)
class Primary:
    """The primary cancer as coded in the chart."""

    icd: tuple[str, str]  # ICD-10-CM code, display
    snomed: tuple[str, str] | None = None
    morphology: tuple[str, str] | None = None  # ICD-O-3
    clinical: str = "active"  # Condition.clinicalStatus


@dataclass(frozen=True)
class Lesion:
    """Findings at one level (answer codes of the contract; None = not recorded)."""

    pain: str | None = None
    bone_lesion: str | None = None
    alignment: str | None = None
    collapse: str | None = None
    posterolateral: str | None = None
    escc: str | None = None
    prior_radiation: bool | None = None
    radiotherapy_procedure: bool = False
    surgeon_call: str | None = None
    cord_compression: bool = False  # a spinal cord compression Condition at the level


@dataclass(frozen=True)
class Scenario:
    """One demo patient."""

    slug: str
    given: str
    family: str
    gender: str
    birth: str
    primary: Primary | None
    lesions: dict[str, Lesion]
    myelopathy: bool | None = None
    cauda_equina: bool | None = None
    surgical_candidate: bool | None = None
    ecog: int | None = None
    kps: int | None = None
    frankel: str | None = None
    ambulatory: str | None = None
    albumin: tuple[float, str] | None = None
    extraspinal: int | None = None
    vertebral: int | None = None
    organ: str | None = None
    visceral: str | None = None
    imaging: bool = True
    myelopathy_at: str | None = None  # a myelopathy Observation naming this level (body site)
    radiotherapy_region: tuple[str, str] | None = None  # a course coded to a spinal region


@dataclass(frozen=True)
class Pathway:
    """A patient's dated steps after the spine MRI, in days after it (None = not yet).

    Written as an Encounter with the spine team (neurosurgery, for the spinal metastasis), a
    biopsy and a tumour-board review (Procedures), and the start of spine surgery (a Procedure
    with a CPT spine-surgery code). None of them is read by the assessment (docs/fhir-input.md):
    they date the pathway (docs/worklist.md) and leave every result as it was.
    """

    spine_team: int | None = None
    biopsy: int | None = None
    tumour_board: int | None = None
    surgery: tuple[int, str] | None = None  # (day, CPT code)


# The demo pathways, by scenario (invented, varied: the worklist and its plot need spread).
PATHWAYS: dict[str, Pathway] = {
    "01-r1-breast-low-grade-stable": Pathway(spine_team=12),
    "02-r2-prostate-low-grade-unstable": Pathway(3, tumour_board=9, surgery=(21, "22558")),
    "03-r3-renal-low-grade-stable": Pathway(9, tumour_board=16),
    "04-r4-thyroid-low-grade-unstable": Pathway(10, tumour_board=16),
    "05-r5-breast-high-grade-stable": Pathway(2),
    "06-r6-lymphoma-high-grade-unstable": Pathway(3, biopsy=5, tumour_board=10),
    "07-r7-nsclc-high-grade-stable-fit": Pathway(2, tumour_board=8, surgery=(15, "63085")),
    "08-r8-melanoma-high-grade-stable-unfit": Pathway(4),
    "09-r9-hcc-high-grade-unstable-fit": Pathway(4, tumour_board=11, surgery=(18, "63087")),
    "10-r10-colon-high-grade-unstable-unfit": Pathway(6, tumour_board=13),
    "11-special-a-breast-myelopathy": Pathway(1, surgery=(2, "63085")),
    "12-special-b-myeloma-myelopathy": Pathway(1, biopsy=3),
    "13-special-c-unknown-primary-myelopathy": Pathway(1, biopsy=2, tumour_board=8),
    "14-special-e-renal-escc2-no-myelopathy": Pathway(7, tumour_board=14, surgery=(62, "63085")),
    "15-special-h-prostate-prior-radiation": Pathway(6, tumour_board=13),
    "16-sins-indeterminate-no-surgeon-call": Pathway(14),
    "17-sins-indeterminate-surgeon-unstable": Pathway(5, surgery=(30, "22556")),
    "18-two-levels-nsclc": Pathway(3, tumour_board=9),
    "20-emergent-nsclc-c5-cord-compression-myelopathy": Pathway(0, surgery=(1, "63081")),
    "21-myelopathy-no-level-explains": Pathway(0),
    "22-sacrum-segment-not-given": Pathway(8),
    "23-radiotherapy-to-the-thoracic-spine": Pathway(5),
    "24-resolved-colon-primary-active-spine": Pathway(11, tumour_board=18),
    "25-unknown-primary-adenocarcinoma": Pathway(3, biopsy=6),
}


BREAST = Primary(
    ("C50.911", "Malignant neoplasm of unspecified site of right female breast"),
    ("254837009", "Malignant neoplasm of breast"),
)
PROSTATE = Primary(
    ("C61", "Malignant neoplasm of prostate"), ("399068003", "Malignant tumor of prostate")
)
KIDNEY = Primary(
    ("C64.1", "Malignant neoplasm of right kidney, except renal pelvis"),
    ("363518003", "Malignant tumor of kidney"),
    ("8312/3", "Renal cell carcinoma, NOS"),
)
THYROID = Primary(("C73", "Malignant neoplasm of thyroid gland"))
NSCLC = Primary(
    ("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),
    ("254637007", "Non-small cell lung cancer"),
    ("8140/3", "Adenocarcinoma, NOS"),
)
MELANOMA = Primary(
    ("C43.9", "Malignant melanoma of skin, unspecified"), ("372244006", "Malignant melanoma")
)
HCC = Primary(("C22.0", "Liver cell carcinoma"))
COLON = Primary(
    ("C18.9", "Malignant neoplasm of colon, unspecified"), ("363406005", "Malignant tumor of colon")
)
MYELOMA = Primary(
    ("C90.00", "Multiple myeloma not having achieved remission"), ("109989006", "Multiple myeloma")
)
LYMPHOMA = Primary(
    ("C83.30", "Diffuse large B-cell lymphoma, unspecified site"),
    ("118600007", "Malignant lymphoma"),
)
UNKNOWN = Primary(("C80.1", "Malignant (primary) neoplasm, unspecified"))
UNKNOWN_ADENOCARCINOMA = Primary(
    ("C80.1", "Malignant (primary) neoplasm, unspecified"),
    morphology=("8140/3", "Adenocarcinoma, NOS"),
)
RESOLVED_COLON = Primary(
    ("C18.9", "Malignant neoplasm of colon, unspecified"),
    ("363406005", "Malignant tumor of colon"),
    clinical="resolved",
)

STABLE_LOW = {
    "pain": "pain-free",
    "bone_lesion": "lesion-blastic",
    "alignment": "alignment-normal",
    "collapse": "collapse-none",
    "posterolateral": "posterolateral-none",
}
UNSTABLE = {
    "pain": "pain-mechanical",
    "bone_lesion": "lesion-lytic",
    "alignment": "alignment-de-novo-deformity",
    "collapse": "collapse-50-or-more",
    "posterolateral": "posterolateral-bilateral",
}
INDETERMINATE = {
    "pain": "pain-mechanical",
    "bone_lesion": "lesion-lytic",
    "alignment": "alignment-normal",
    "collapse": "collapse-less-than-50",
    "posterolateral": "posterolateral-unilateral",
}
FIT = {
    "surgical_candidate": True,
    "ecog": 1,
    "frankel": "frankel-e",
    "ambulatory": "ambulatory-independent",
    "albumin": (3.9, "g/dL"),
    "extraspinal": 0,
    "organ": "organ-mets-none",
    "visceral": "visceral-none",
}
NEURO_INTACT = {"myelopathy": False, "cauda_equina": False}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "01-r1-breast-low-grade-stable",
        "Ada",
        "Lindqvist",
        "female",
        "1961-04-12",
        BREAST,
        {"T7": Lesion(**STABLE_LOW, escc="escc-1a", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
        kps=80,
    ),
    Scenario(
        "02-r2-prostate-low-grade-unstable",
        "Bruno",
        "Achterberg",
        "male",
        "1950-09-30",
        PROSTATE,
        {"T11": Lesion(**UNSTABLE, escc="escc-1b", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "03-r3-renal-low-grade-stable",
        "Chiara",
        "Benedetti",
        "female",
        "1966-01-22",
        KIDNEY,
        {"T6": Lesion(**STABLE_LOW, escc="escc-1b", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "04-r4-thyroid-low-grade-unstable",
        "Dmitri",
        "Volkov",
        "male",
        "1958-07-03",
        THYROID,
        {"T12": Lesion(**UNSTABLE, escc="escc-0", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "05-r5-breast-high-grade-stable",
        "Elena",
        "Marquez",
        "female",
        "1970-11-18",
        BREAST,
        {"T8": Lesion(**STABLE_LOW, escc="escc-2", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "06-r6-lymphoma-high-grade-unstable",
        "Farid",
        "Haddad",
        "male",
        "1963-02-14",
        LYMPHOMA,
        {"T10": Lesion(**UNSTABLE, escc="escc-3", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "07-r7-nsclc-high-grade-stable-fit",
        "Greta",
        "Nilsen",
        "female",
        "1957-05-09",
        NSCLC,
        {"T9": Lesion(**STABLE_LOW, escc="escc-3", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "08-r8-melanoma-high-grade-stable-unfit",
        "Hugo",
        "Laurent",
        "male",
        "1949-12-01",
        MELANOMA,
        {"T4": Lesion(**STABLE_LOW, escc="escc-3", prior_radiation=False)},
        **NEURO_INTACT,
        surgical_candidate=False,
        ecog=3,
        frankel="frankel-d",
        ambulatory="ambulatory-assisted",
        albumin=(31.0, "g/L"),
        extraspinal=4,
        vertebral=5,
        organ="organ-mets-unremovable",
        visceral="visceral-untreatable",
    ),
    Scenario(
        "09-r9-hcc-high-grade-unstable-fit",
        "Ines",
        "Carvalho",
        "female",
        "1955-03-27",
        HCC,
        {"L1": Lesion(**UNSTABLE, escc="escc-3", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "10-r10-colon-high-grade-unstable-unfit",
        "Jonas",
        "Weber",
        "male",
        "1947-08-15",
        COLON,
        {"T12": Lesion(**UNSTABLE, escc="escc-3", prior_radiation=False)},
        **NEURO_INTACT,
        surgical_candidate=False,
        kps=40,
        frankel="frankel-c",
        ambulatory="non-ambulatory",
        albumin=(2.9, "g/dL"),
        extraspinal=2,
        vertebral=3,
        organ="organ-mets-removable",
        visceral="visceral-treatable",
    ),
    Scenario(
        "11-special-a-breast-myelopathy",
        "Kaia",
        "Tamm",
        "female",
        "1968-06-06",
        BREAST,
        {"T6": Lesion(**STABLE_LOW, escc="escc-3", prior_radiation=False)},
        myelopathy=True,
        cauda_equina=False,
        **{**FIT, "frankel": "frankel-d"},
        vertebral=2,
    ),
    Scenario(
        "12-special-b-myeloma-myelopathy",
        "Leon",
        "Osei",
        "male",
        "1952-10-10",
        MYELOMA,
        {"T9": Lesion(**STABLE_LOW, escc="escc-3", prior_radiation=False)},
        myelopathy=True,
        cauda_equina=False,
        **{**FIT, "frankel": "frankel-c"},
        vertebral=4,
    ),
    Scenario(
        "13-special-c-unknown-primary-myelopathy",
        "Mira",
        "Kovac",
        "female",
        "1960-01-31",
        UNKNOWN,
        {
            "T10": Lesion(
                **INDETERMINATE, escc="escc-3", prior_radiation=False, surgeon_call="unstable"
            )
        },
        myelopathy=True,
        cauda_equina=False,
        surgical_candidate=True,
        kps=60,
        frankel="frankel-c",
        vertebral=1,
    ),
    Scenario(
        "14-special-e-renal-escc2-no-myelopathy",
        "Nils",
        "Berg",
        "male",
        "1959-04-04",
        KIDNEY,
        {"T8": Lesion(**STABLE_LOW, escc="escc-2", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "15-special-h-prostate-prior-radiation",
        "Otto",
        "Lehmann",
        "male",
        "1944-02-29",
        PROSTATE,
        {"T10": Lesion(**STABLE_LOW, escc="escc-1a", radiotherapy_procedure=True)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "16-sins-indeterminate-no-surgeon-call",
        "Paula",
        "Rossi",
        "female",
        "1972-09-09",
        BREAST,
        {"T9": Lesion(**INDETERMINATE, escc="escc-0", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "17-sins-indeterminate-surgeon-unstable",
        "Quentin",
        "Moreau",
        "male",
        "1965-12-12",
        PROSTATE,
        {
            "T9": Lesion(
                **INDETERMINATE, escc="escc-1a", prior_radiation=False, surgeon_call="unstable"
            )
        },
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "18-two-levels-nsclc",
        "Rosa",
        "Ferreira",
        "female",
        "1962-03-03",
        NSCLC,
        {
            "T4": Lesion(**STABLE_LOW, escc="escc-1c", prior_radiation=False),
            "L3": Lesion(
                **{**UNSTABLE, "posterolateral": "posterolateral-none"},
                escc="escc-0",
                prior_radiation=False,
            ),
        },
        **NEURO_INTACT,
        **FIT,
        vertebral=2,
    ),
    Scenario(
        "19-chart-lacks-spine-findings",
        "Sven",
        "Aaltonen",
        "male",
        "1956-06-21",
        BREAST,
        {"T8": Lesion()},
        imaging=False,
    ),
    # The review's examples (docs/clinical-rules.md §15): urgency first, neurology by level,
    # honest words about primaries, the sacrum, and radiotherapy coded to a region.
    Scenario(
        "20-emergent-nsclc-c5-cord-compression-myelopathy",
        "Tomas",
        "Lindgren",
        "male",
        "1958-02-11",
        NSCLC,
        {"C5": Lesion(**STABLE_LOW, cord_compression=True, prior_radiation=False)},
        cauda_equina=False,
        myelopathy_at="C5",
        ecog=2,
        frankel="frankel-b",
        ambulatory="non-ambulatory",
        vertebral=1,
    ),
    Scenario(
        "21-myelopathy-no-level-explains",
        "Ulla",
        "Korhonen",
        "female",
        "1964-08-19",
        BREAST,
        {
            "T5": Lesion(**STABLE_LOW, escc="escc-1a", prior_radiation=False),
            "L3": Lesion(**STABLE_LOW, escc="escc-0", prior_radiation=False),
        },
        myelopathy=True,
        cauda_equina=False,
        **FIT,
        vertebral=2,
    ),
    Scenario(
        "22-sacrum-segment-not-given",
        "Viktor",
        "Horvat",
        "male",
        "1951-11-05",
        PROSTATE,
        {
            "sacrum": Lesion(
                pain="pain-mechanical",
                bone_lesion="lesion-lytic",
                alignment="alignment-normal",
                collapse="collapse-none-body-over-50",
                posterolateral="posterolateral-none",
                escc="escc-0",
                prior_radiation=False,
            )
        },
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "23-radiotherapy-to-the-thoracic-spine",
        "Wanda",
        "Nowak",
        "female",
        "1959-05-23",
        BREAST,
        {
            "T11": Lesion(**STABLE_LOW, escc="escc-1a"),
            "L1": Lesion(**STABLE_LOW, escc="escc-1a"),
        },
        **NEURO_INTACT,
        **FIT,
        vertebral=2,
        radiotherapy_region=THORACIC_SPINE,
    ),
    Scenario(
        "24-resolved-colon-primary-active-spine",
        "Xaver",
        "Brunner",
        "male",
        "1953-09-14",
        RESOLVED_COLON,
        {"T8": Lesion(**STABLE_LOW, escc="escc-2", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
    Scenario(
        "25-unknown-primary-adenocarcinoma",
        "Yara",
        "Santos",
        "female",
        "1967-12-30",
        UNKNOWN_ADENOCARCINOMA,
        {"T10": Lesion(**STABLE_LOW, escc="escc-1b", prior_radiation=False)},
        **NEURO_INTACT,
        **FIT,
        vertebral=1,
    ),
)


class _Ids:
    """Deterministic UUIDs per scenario, so rebuilding writes identical files."""

    def __init__(self, slug: str) -> None:
        self.slug = slug

    def __call__(self, name: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.slug}/{name}"))


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _so(code: str) -> dict[str, Any]:
    return {"coding": [_coding(SO, code)]}


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [_coding(CATEGORY, code)]}]


def _vertebra(level: str) -> list[dict[str, Any]]:
    code, display = VERTEBRA[level]
    return [{"coding": [_coding(SNOMED, code, display)], "text": level}]


def _active(clinical: str = "active") -> dict[str, Any]:
    return {
        "clinicalStatus": {"coding": [_coding(CLINICAL, clinical)]},
        "verificationStatus": {"coding": [_coding(VERIFICATION, "confirmed")]},
    }


def _level_condition(
    rid: str,
    level: str,
    patient_ref: dict[str, str],
    *codings: dict[str, str],
    profile: str | None = None,
) -> dict[str, Any]:
    """An active Condition at one level (a metastasis, a cord compression)."""
    condition: dict[str, Any] = {"resourceType": "Condition", "id": rid}
    if profile:
        condition["meta"] = {"profile": [profile]}
    return {
        **condition,
        **_active(),
        "code": {"coding": list(codings)},
        "bodySite": _vertebra(level),
        "subject": patient_ref,
        "onsetDateTime": "2026-10-20",
    }


def build(s: Scenario) -> dict[str, Any]:
    """The transaction Bundle of one scenario."""
    ids = _ids = _Ids(s.slug)
    patient_ref = {"reference": f"urn:uuid:{ids('patient')}"}
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": ids("patient"),
            "identifier": [
                {"system": "http://noms-cds.org/fhir/sid/demo-patient", "value": s.slug}
            ],
            "name": [{"given": [s.given], "family": s.family}],
            "gender": s.gender,
            "birthDate": s.birth,
        }
    ]
    if s.primary is not None:
        coding = [_coding(ICD10CM, *s.primary.icd)]
        if s.primary.snomed:
            coding.append(_coding(SNOMED, *s.primary.snomed))
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "id": ids("primary"),
            "meta": {"profile": [MCODE + "mcode-primary-cancer-condition"]},
            **_active(s.primary.clinical),
            "category": [
                {
                    "coding": [
                        _coding(
                            "http://terminology.hl7.org/CodeSystem/condition-category",
                            "problem-list-item",
                        )
                    ]
                }
            ],
            "code": {"coding": coding},
            "subject": patient_ref,
            "onsetDateTime": "2025-03-14",
        }
        if s.primary.morphology:
            condition["extension"] = [
                {
                    "url": MCODE + "mcode-histology-morphology-behavior",
                    "valueCodeableConcept": {"coding": [_coding(ICDO3, *s.primary.morphology)]},
                }
            ]
        resources.append(condition)

    study_ref = None
    if s.imaging:
        study_ref = {"reference": f"urn:uuid:{ids('mri')}"}
        resources.append(
            {
                "resourceType": "ImagingStudy",
                "id": ids("mri"),
                "status": "available",
                "modality": [_coding("http://dicom.nema.org/resources/ontology/DCM", "MR")],
                "subject": patient_ref,
                "started": "2026-10-20T09:30:00Z",
                "description": "MRI whole spine with and without contrast",
                "series": [
                    {
                        "uid": f"2.25.{uuid.UUID(ids('mri-series-' + level)).int}",
                        "modality": _coding("http://dicom.nema.org/resources/ontology/DCM", "MR"),
                        "bodySite": _coding(SNOMED, *VERTEBRA[level]),
                    }
                    for level in s.lesions
                ],
            }
        )

    for level, lesion in s.lesions.items():
        met_ref = {"reference": f"urn:uuid:{ids('met-' + level)}"}
        resources.append(
            _level_condition(
                ids("met-" + level),
                level,
                patient_ref,
                _coding(ICD10CM, "C79.51", "Secondary malignant neoplasm of bone"),
                _coding(SNOMED, "94222008", "Secondary malignant neoplasm of bone"),
                profile=MCODE + "mcode-secondary-cancer-condition",
            )
        )

        def finding(
            code: str,
            category: str,
            value: dict[str, Any],
            *,
            level: str = level,
            met_ref: dict[str, str] = met_ref,
            derived: bool = True,
        ) -> None:
            obs: dict[str, Any] = {
                "resourceType": "Observation",
                "id": _ids(f"{code}-{level}"),
                "status": "final",
                "category": _category(category),
                "code": _so(code),
                "subject": patient_ref,
                "focus": [met_ref],
                "effectiveDateTime": "2026-10-20T11:00:00Z",
                "bodySite": _vertebra(level)[0],
                **value,
            }
            if derived and study_ref:
                obs["derivedFrom"] = [study_ref]
            resources.append(obs)

        for code, answer in (
            ("sins-bone-lesion", lesion.bone_lesion),
            ("sins-alignment", lesion.alignment),
            ("sins-collapse", lesion.collapse),
            ("sins-posterolateral", lesion.posterolateral),
            ("escc-grade", lesion.escc),
        ):
            if answer:
                finding(code, "imaging", {"valueCodeableConcept": _so(answer)})
        if lesion.pain:
            finding("sins-pain", "exam", {"valueCodeableConcept": _so(lesion.pain)}, derived=False)
        if lesion.prior_radiation is not None:
            finding(
                "prior-radiation", "exam", {"valueBoolean": lesion.prior_radiation}, derived=False
            )
        if lesion.surgeon_call:
            finding(
                "stability-assessment",
                "exam",
                {"valueCodeableConcept": _so(lesion.surgeon_call)},
                derived=False,
            )
        if lesion.cord_compression:
            resources.append(
                _level_condition(
                    ids("cord-compression-" + level),
                    level,
                    patient_ref,
                    _coding(SNOMED, "71286001", "Spinal cord compression"),
                    _coding(ICD10CM, "G95.20", "Unspecified cord compression"),
                )
            )
        if lesion.radiotherapy_procedure:
            resources.append(
                {
                    "resourceType": "Procedure",
                    "id": ids("radiotherapy-" + level),
                    "status": "completed",
                    "code": {
                        "coding": [
                            _coding(SNOMED, "1217123003", "Radiotherapy course of treatment")
                        ]
                    },
                    "subject": patient_ref,
                    "performedPeriod": {"start": "2025-06-02", "end": "2025-06-13"},
                    "bodySite": _vertebra(level),
                }
            )

    if s.radiotherapy_region is not None:
        resources.append(
            {
                "resourceType": "Procedure",
                "id": ids("radiotherapy-region"),
                "status": "completed",
                "code": {
                    "coding": [_coding(SNOMED, "1217123003", "Radiotherapy course of treatment")]
                },
                "subject": patient_ref,
                "performedPeriod": {"start": "2025-02-03", "end": "2025-02-14"},
                "bodySite": [{"coding": [_coding(SNOMED, *s.radiotherapy_region)]}],
            }
        )

    def patient_obs(name: str, code: dict[str, Any], category: str, value: dict[str, Any]) -> None:
        resources.append(
            {
                "resourceType": "Observation",
                "id": ids(name),
                "status": "final",
                "category": _category(category),
                "code": code,
                "subject": patient_ref,
                "effectiveDateTime": "2026-10-21T08:00:00Z",
                **value,
            }
        )

    for code, value in (
        ("myelopathy", s.myelopathy),
        ("cauda-equina-syndrome", s.cauda_equina),
        ("surgical-candidate", s.surgical_candidate),
    ):
        if value is not None:
            patient_obs(code, _so(code), "exam", {"valueBoolean": value})
    if s.myelopathy_at is not None:
        patient_obs(
            "myelopathy-" + s.myelopathy_at,
            _so("myelopathy"),
            "exam",
            {"valueBoolean": True, "bodySite": _vertebra(s.myelopathy_at)[0]},
        )
    for code, answer in (
        ("frankel-grade", s.frankel),
        ("ambulatory-status", s.ambulatory),
        ("major-organ-metastases", s.organ),
        ("visceral-metastases", s.visceral),
    ):
        if answer:
            patient_obs(code, _so(code), "exam", {"valueCodeableConcept": _so(answer)})
    for code, count in (
        ("extraspinal-bone-metastases-count", s.extraspinal),
        ("vertebral-metastases-count", s.vertebral),
    ):
        if count is not None:
            patient_obs(code, _so(code), "imaging", {"valueInteger": count})
    if s.ecog is not None:
        patient_obs(
            "ecog",
            {"coding": [_coding(LOINC, "89247-1", "ECOG Performance Status score")]},
            "survey",
            {"valueInteger": s.ecog},
        )
    if s.kps is not None:
        patient_obs(
            "kps",
            {"coding": [_coding(LOINC, "89243-0", "Karnofsky Performance Status score")]},
            "survey",
            {"valueInteger": s.kps},
        )
    if s.albumin is not None:
        value, unit = s.albumin
        patient_obs(
            "albumin",
            {"coding": [_coding(LOINC, "1751-7", "Albumin [Mass/volume] in Serum or Plasma")]},
            "laboratory",
            {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}},
        )

    resources.extend(_pathway(s, ids, patient_ref))
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{r['id']}",
                "resource": r,
                "request": {"method": "POST", "url": r["resourceType"]},
            }
            for r in resources
        ],
    }


MRI_DAY = date(2026, 10, 20)  # ImagingStudy.started of every demo MRI
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
CPT = "http://www.ama-assn.org/go/cpt"


def _pathway(s: Scenario, ids: _Ids, patient_ref: dict[str, str]) -> list[dict[str, Any]]:
    """The Encounter and Procedures that date a scenario's pathway (``PATHWAYS``)."""
    pathway = PATHWAYS.get(s.slug)
    if pathway is None or not s.lesions:
        return []
    first = next(iter(s.lesions))
    met_ref = {"reference": f"urn:uuid:{ids('met-' + first)}"}

    def day(offset: int, hour: int) -> str:
        return f"{(MRI_DAY + timedelta(days=offset)).isoformat()}T{hour:02d}:00:00Z"

    def procedure(name: str, code: dict[str, Any], offset: int, **extra: Any) -> dict[str, Any]:
        return {
            "resourceType": "Procedure",
            "id": ids(name),
            "status": "completed",
            "code": code,
            "subject": patient_ref,
            "performedDateTime": day(offset, 14),
            "reasonReference": [met_ref],
            **extra,
        }

    made: list[dict[str, Any]] = []
    if pathway.spine_team is not None:
        made.append(
            {
                "resourceType": "Encounter",
                "id": ids("spine-team-visit"),
                "status": "finished",
                "class": _coding(
                    "http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"
                ),
                "serviceType": {"coding": [_coding(SNOMED, "394610002", "Surgery-Neurosurgery")]},
                "subject": patient_ref,
                "period": {
                    "start": day(pathway.spine_team, 10),
                    "end": day(pathway.spine_team, 11),
                },
                "reasonReference": [met_ref],
            }
        )
    if pathway.biopsy is not None:
        made.append(
            procedure(
                "biopsy",
                {"coding": [_coding(SNOMED, "86273004", "Biopsy")]},
                pathway.biopsy,
                bodySite=_vertebra(first),
            )
        )
    if pathway.tumour_board is not None:
        made.append(
            procedure(
                "tumour-board",
                {"coding": [_coding(NCIT, "C93304", "Tumor Board Review")]},
                pathway.tumour_board,
            )
        )
    if pathway.surgery is not None:
        offset, cpt = pathway.surgery
        made.append(
            procedure(
                "spine-surgery",
                {"coding": [_coding(CPT, cpt)], "text": "Spine surgery"},
                offset,
                bodySite=_vertebra(first),
            )
        )
    return made


def render(s: Scenario) -> str:
    """The file content of one scenario."""
    return json.dumps(build(s), indent=2) + "\n"


def write_all(directory: Path = PATIENTS_DIR) -> list[Path]:
    """Write every scenario's Bundle; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for scenario in SCENARIOS:
        path = directory / f"{scenario.slug}.json"
        path.write_text(render(scenario), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_all():
        print(written)  # noqa: T201

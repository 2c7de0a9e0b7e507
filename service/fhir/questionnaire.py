"""The structured spine-MRI oncology report: its Questionnaire, and building a response to it.

The Questionnaire (``profiles/input/fsh/QN_SpineMriReport.fsh``, compiled into
``profiles/fsh-generated/``; docs/structured-report.md) asks, for each reported vertebral level,
the SINS imaging elements and the ESCC grade in the contract's answer codes:

- ``imaging-study``: the ImagingStudy reported on (a reference; every finding derives from it);
- ``level`` (a group that repeats, one per vertebral level), holding ``level.vertebra`` (the level,
  a SNOMED CT vertebra of the body-site value set: it becomes the findings' ``bodySite``) and one
  question per finding, each with ``item.code`` the finding code and the SDC extension
  ``sdc-questionnaire-observationExtract`` (observation-based extraction: SDC STU3, "Form Data
  Extraction"), with ``sdc-questionnaire-observation-extract-category`` giving the category:
  ``imaging`` for bone lesion, alignment, collapse, posterolateral involvement and ESCC grade;
  ``exam`` for pain, a clinical element the report may relay (SINS: Fisher et al., Spine 2010;
  ESCC: Bilsky et al., J Neurosurg Spine 2010).

SINS location is not asked: it follows from the level. The tables here are the Python twin of the
FSH instance; a test compares them with the compiled Questionnaire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from service.domain.levels import Level
from service.fhir import codes
from service.fhir.codes import Code

QUESTIONNAIRE_ID: Final = "spine-mri-oncology-report"
QUESTIONNAIRE_URL: Final = f"{codes.CANONICAL}/Questionnaire/{QUESTIONNAIRE_ID}"
QUESTIONNAIRE_VERSION: Final = "0.1.0"
SDC_EXTRACT: Final = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract"
)
SDC_EXTRACT_CATEGORY: Final = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observation-extract-category"
)

LINK_STUDY: Final = "imaging-study"
LINK_LEVEL: Final = "level"
LINK_VERTEBRA: Final = "level.vertebra"


@dataclass(frozen=True, slots=True)
class FindingItem:
    """One question of a level group, extracted as one Observation.

    Attributes:
        link_id: The item's ``linkId``.
        code: The finding code in our CodeSystem (``item.code`` and ``Observation.code``).
        answers: The contract's answer codes (the item's answer value set).
        category: ``Observation.category`` of the extracted finding.
        profile: The input profile the extracted Observation claims.
    """

    link_id: str
    code: str
    answers: Mapping[str, object]
    category: Code
    profile: str


FINDING_ITEMS: Final[tuple[FindingItem, ...]] = (
    FindingItem(
        "level.bone-lesion",
        "sins-bone-lesion",
        codes.BONE_LESION,
        codes.IMAGING_CATEGORY,
        codes.PROFILE_LESION_IMAGING_FINDING,
    ),
    FindingItem(
        "level.alignment",
        "sins-alignment",
        codes.ALIGNMENT,
        codes.IMAGING_CATEGORY,
        codes.PROFILE_LESION_IMAGING_FINDING,
    ),
    FindingItem(
        "level.collapse",
        "sins-collapse",
        codes.COLLAPSE,
        codes.IMAGING_CATEGORY,
        codes.PROFILE_LESION_IMAGING_FINDING,
    ),
    FindingItem(
        "level.posterolateral",
        "sins-posterolateral",
        codes.POSTEROLATERAL,
        codes.IMAGING_CATEGORY,
        codes.PROFILE_LESION_IMAGING_FINDING,
    ),
    FindingItem(
        "level.escc-grade",
        "escc-grade",
        codes.ESCC_GRADE,
        codes.IMAGING_CATEGORY,
        codes.PROFILE_LESION_IMAGING_FINDING,
    ),
    FindingItem(
        "level.pain", "sins-pain", codes.PAIN, codes.EXAM_CATEGORY, codes.PROFILE_LESION_PAIN
    ),
)
ITEM_BY_LINK: Final = {item.link_id: item for item in FINDING_ITEMS}
ITEM_BY_CODE: Final = {item.code: item for item in FINDING_ITEMS}
IMAGING_CODES: Final = frozenset(codes.LESION_IMAGING_FINDINGS)


@dataclass(frozen=True, slots=True)
class LevelReport:
    """What the report says about one level: answer codes by finding code (absent: not given).

    Example: ``LevelReport(Level.T9, {"sins-bone-lesion": "lesion-lytic"})``.
    """

    level: Level
    answers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", dict(self.answers))
        for code, answer in self.answers.items():
            if code not in ITEM_BY_CODE or answer not in ITEM_BY_CODE[code].answers:
                raise ValueError(f"{self.level.value}: {code}={answer!r} is not a contract answer")


def _coding(code: Code) -> dict[str, str]:
    return code.coding()


def build_response(
    *,
    patient: str,
    study: str,
    authored: str,
    levels: Sequence[LevelReport],
    author: str | None = None,
    response_id: str | None = None,
    based_on: Sequence[str] = (),
    status: str = "completed",
) -> dict[str, Any]:
    """A QuestionnaireResponse to the spine-MRI report (what a form filler sends).

    Args:
        patient: The patient's reference (``Patient/123``): ``subject``.
        study: The ImagingStudy's reference: the answer to ``imaging-study``.
        authored: When the report was signed (FHIR dateTime): every finding's ``effective``.
        levels: The reported levels, one group each, in the order given.
        author: The radiologist's reference (``Practitioner/7``), if known.
        response_id: The response's ``id``, if it has one.
        based_on: References of the orders fulfilled (``ServiceRequest/...``).
        status: ``completed`` (or ``amended``, ``in-progress``).
    """
    groups = []
    for report in levels:
        items: list[dict[str, Any]] = [
            {
                "linkId": LINK_VERTEBRA,
                "answer": [{"valueCoding": _coding(codes.VERTEBRA[report.level])}],
            }
        ]
        for item in FINDING_ITEMS:
            answer = report.answers.get(item.code)
            if answer is not None:
                coding = codes.so(answer).coding()
                items.append({"linkId": item.link_id, "answer": [{"valueCoding": coding}]})
        groups.append({"linkId": LINK_LEVEL, "item": items})
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        **({"id": response_id} if response_id else {}),
        "questionnaire": f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}",
        "status": status,
        **({"basedOn": [{"reference": ref} for ref in based_on]} if based_on else {}),
        "subject": {"reference": patient},
        "authored": authored,
        **({"author": {"reference": author}} if author else {}),
        "item": [
            {"linkId": LINK_STUDY, "answer": [{"valueReference": {"reference": study}}]},
            *groups,
        ],
    }
    return response

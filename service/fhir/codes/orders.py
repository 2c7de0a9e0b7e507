"""Orders the CDS order hooks react to, and what the cards propose (docs/cds-hooks.md).

Part of ``service.fhir.codes`` (see its docstring).
"""

from __future__ import annotations

from typing import Final

from service.domain.levels import Region
from service.fhir.codes.read import RADIOTHERAPY_PROCEDURES
from service.fhir.codes.systems import LOINC, SNOMED, Code

# --- Orders the CDS order hooks react to, and what the cards propose (docs/cds-hooks.md) -----
# ServiceRequests in a hook's draftOrders are recognized by code; each code names the spinal
# regions it covers (an empty tuple: the whole spine). Verification as above; every source is
# listed in docs/cds-hooks.md ("Codes the order service recognizes").

CPT: Final = "http://www.ama-assn.org/go/cpt"  # as the CDS Hooks sandbox sends it
REQUEST_PRIORITY: Final = "http://hl7.org/fhir/request-priority"  # FHIR R4 core (required)
CDS_OVERRIDE_REASON: Final = "http://cds-hooks.hl7.org/CodeSystem/non-adherence-reason"

_C, _T, _L, _S = Region.CERVICAL, Region.THORACIC, Region.LUMBAR, Region.SACRAL

# Spine MR and CT. LOINC: V-2, the LOINC/RSNA playbook names in the HL7 FHIR DSTU2 value set
# c80-doc-typecodes and in Microsoft's Radiology Insights procedure list. CPT: V-2, the CDS Hooks
# sandbox's PAMA imaging codes (cds-hooks/sandbox src/assets/pama-procedure-codes.json) and
# public billing lists. SNOMED CT: V-IG, the Belgian eHealth eReferral IG value set
# be-vs-diagnostic-imaging-procedure.
SPINE_IMAGING_ORDERS: Final[dict[tuple[str, str], tuple[Region, ...]]] = {
    **{
        (LOINC, code): regions
        for regions, codes_ in (
            ((_C,), ("24932-6", "24933-4", "24934-2", "24935-9", "24936-7", "24937-5", "24938-3")),
            ((_T,), ("24978-9", "24979-7", "24980-5", "24981-3", "24982-1")),
            ((_L,), ("24963-1", "24964-9", "24965-6", "24967-2", "24968-0", "24977-1")),
            ((), ("24987-0",)),  # CT Spine W contrast IV
        )
        for code in codes_
    },
    **{
        (CPT, code): regions
        for regions, codes_ in (
            ((_C,), ("72125", "72126", "72127", "72141", "72142", "72156")),
            ((_T,), ("72128", "72129", "72130", "72146", "72147", "72157")),
            ((_L,), ("72131", "72132", "72133", "72148", "72149", "72158")),
        )
        for code in codes_
    },
    **{
        (SNOMED, code): regions
        for regions, codes_ in (
            ((_C,), ("762008", "572061000119104", "60443006", "571891000119109", "241590005")),
            ((_T,), ("113105001", "572081000119108", "91333005", "396171000119100", "241591009")),
            ((_L,), ("90523008", "572091000119106", "41333006", "394451000119106", "241592002")),
            ((_S,), ("430452007", "241581003", "388321000119101", "709527009")),
            ((_L, _S), ("723646000", "711224009", "433141005", "433140006", "709698004")),
            ((_L, _S), ("702523007", "726546000", "709653005")),
            ((_T, _L), ("702488002", "702487007", "411571000119106", "448641007")),
            ((_C, _T, _L), ("495741000119105", "411611000119102")),
            ((), ("241577003", "429859008", "429875006", "241589001", "241645008", "431985004")),
            ((), ("713206003",)),  # MR myelography
        )
        for code in codes_
    },
}
# Radiotherapy: the radiotherapy procedures the extraction already reads (above).
RADIOTHERAPY_ORDERS: Final = frozenset((SNOMED, code) for code in RADIOTHERAPY_PROCEDURES)
# Spine surgery (CPT, the whole spine: the bodySite narrows it). V-1: the spinal surgery codes of
# QualChoice's spine surgery policy (excision of vertebral lesions, corpectomy, arthrodesis,
# laminectomy with decompression); 22100-22114 and 63047 also V-2 (other public listings).
SPINE_SURGERY_ORDERS: Final = frozenset(
    (CPT, code)
    for code in (
        *("22100", "22101", "22102", "22110", "22112", "22114"),
        *("22206", "22207", "22210", "22212", "22214", "22220", "22222", "22224"),
        *("22532", "22533", "22554", "22556", "22558", "22600", "22610", "22612"),
        *("22630", "22633", "63003", "63005", "63012", "63016", "63017", "63020"),
        *("63030", "63040", "63042", "63045", "63046", "63047", "63055", "63056"),
        *("63064", "63075", "63077", "63081", "63085", "63087", "63090", "63101", "63102"),
        *("63300", "63301", "63302", "63303", "63304", "63305", "63306", "63307"),
    )
)
# ServiceRequest.category (FHIR R4 core value set servicerequest-category, V-IG): an imaging or
# surgical order whose bodySite names a vertebra is a spine order even when its code is unknown.
CATEGORY_IMAGING: Final = Code(SNOMED, "363679005", "Imaging")
CATEGORY_SURGICAL: Final = Code(SNOMED, "387713003", "Surgical procedure")

# What a card proposes: a referral (SNOMED CT 3457005, V-2: FHIR core Provenance example and
# the Dutch BgZ referral profile), its performer in words and its reason by reference.
PATIENT_REFERRAL: Final = Code(SNOMED, "3457005", "Patient referral")

# Why a clinician may set a card aside: the override reasons of the CDS Hooks specification's
# own CodeSystem (HL7/cds-hooks input/vocabulary/CodeSystem-non-adherence-reason.json,
# trial use, from the AHRQ CDSiC override taxonomy; V-IG).
OVERRIDE_REASONS: Final[tuple[Code, ...]] = tuple(
    Code(CDS_OVERRIDE_REASON, code, display)
    for code, display in (
        ("action-completed", "Recommended action was already completed"),
        (
            "need-more-info",
            "Could not address recommended action due to need for more information/pending "
            "results/pending consult",
        ),
        ("expert-contradicts", "Advice from expert contradicts the recommended action"),
        ("risk-benefit-ratio", "Recipient assessment of risk/benefit ratio"),
        (
            "does-not-align-preferences",
            "Recommendation does not align with patient preferences or values",
        ),
    )
)

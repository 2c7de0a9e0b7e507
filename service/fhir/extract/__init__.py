"""FHIR resources → the clinical core's findings, keeping the resource behind every value.

Rules (docs/fhir-input.md): entered-in-error is ignored; Observations count when final, amended or
corrected, and when preliminary (the result is then flagged); Conditions count when clinically
active, recurrent or relapsed (or with no clinical status) and not refuted. When one finding has
several values the newest wins and the disagreement is reported, never merged; when no value is
newest (undated, or tied) the finding is left unknown. Nothing is inferred that the chart does not
say: absent diagnoses are not "no metastases", imaging never implies myelopathy.

The package, module by module: ``bundle`` and ``references`` (shared with the FHIR client),
``elements`` (codings, levels, dates), ``collector`` (candidates and their resolution), one module
per kind of resource read (``conditions``, ``observations``, ``procedures``, ``imaging``),
``assembly`` (findings from resolved values) with ``scales`` (one finding on two scales) and
``radiation`` (prior radiation by level, region and neighbour), and ``extraction`` (the entry
point).
"""

from service.fhir.extract.bundle import (
    ACCEPTED_BUNDLE_TYPES,
    BundleContents,
    bundle_entries,
    bundle_link,
    read_bundle,
    resources_from_bundle,
)
from service.fhir.extract.elements import parse_when
from service.fhir.extract.extraction import RELEVANT_TYPES, Extraction, extract
from service.fhir.extract.imaging import ImagingSummary
from service.fhir.extract.issues import InvalidInput, Issue
from service.fhir.extract.references import reference_key

__all__ = [
    "ACCEPTED_BUNDLE_TYPES",
    "RELEVANT_TYPES",
    "BundleContents",
    "Extraction",
    "ImagingSummary",
    "InvalidInput",
    "Issue",
    "bundle_entries",
    "bundle_link",
    "extract",
    "parse_when",
    "read_bundle",
    "reference_key",
    "resources_from_bundle",
]

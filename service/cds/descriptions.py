"""Discovery descriptions of the NOMS-CDS services and the prefetch they ask for.

The prefetch templates are the FHIR client's own patient searches (``patient_searches`` in
``service/fhir/client.py``) with the patient id replaced by the CDS Hooks token, so a CDS client
that fills them sends exactly what the service would fetch itself: Observations by ``code``
(Epic refuses patient-only Observation searches), radiotherapy Procedures by ``code``, all
Conditions and ImagingStudies, and the Patient. A handler registers each description with
``CdsService`` (``service/cds/registry.py``); until then discovery does not list it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from service.cds.registry import ServiceDescription
from service.fhir.client import patient_searches

PATIENT_ID_IN_TEMPLATE: Final = "{{context.patientId}}"
# Characters kept as they are in templates: the token's braces, and the separators of FHIR
# token search values (system|code, comma-separated alternatives), as in FHIR's own examples.
TEMPLATE_SAFE: Final = "{}|,:/"


@dataclass(frozen=True, slots=True)
class PrefetchQuery:
    """One prefetch key: the FHIR query behind it, as a read or a search.

    Attributes:
        key: The prefetch key (also the key a handler looks up in ``HookRequest.prefetch``).
        resource_type: The resource type read or searched.
        params: Search parameters (patient token included); empty for the Patient read.
    """

    key: str
    resource_type: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def is_read(self) -> bool:
        """Whether this is a read of one resource (``Patient/{id}``) rather than a search."""
        return not self.params

    def template(self) -> str:
        """The prefetch template (a relative FHIR URL with the CDS Hooks token)."""
        if self.is_read:
            return f"{self.resource_type}/{PATIENT_ID_IN_TEMPLATE}"
        return f"{self.resource_type}?{urlencode(self.params, safe=TEMPLATE_SAFE)}"


def _search_key(resource_type: str) -> str:
    # Condition -> conditions, ImagingStudy -> imagingStudies: keys read like the data.
    name = resource_type[0].lower() + resource_type[1:]
    return name[:-1] + "ies" if name.endswith("y") else name + "s"


PATIENT_QUERIES: Final[tuple[PrefetchQuery, ...]] = (
    PrefetchQuery("patient", "Patient"),
    *(
        PrefetchQuery(_search_key(resource_type), resource_type, tuple(params.items()))
        for resource_type, params in patient_searches(PATIENT_ID_IN_TEMPLATE)
    ),
)


def prefetch_templates(queries: tuple[PrefetchQuery, ...] = PATIENT_QUERIES) -> dict[str, str]:
    """The ``prefetch`` member of a discovery entry."""
    return {query.key: query.template() for query in queries}


SPINE_METS_NOMS: Final = ServiceDescription(
    id="spine-mets-noms",
    hooks=("patient-view",),
    title="Spinal metastasis assessment (NOMS)",
    description=(
        "For a patient with a known spinal metastasis: SINS, ESCC and the prognostic scores, "
        "and a NOMS treatment recommendation per vertebral level, with the urgency, what is "
        "missing from the chart and the rules applied."
    ),
    prefetch=prefetch_templates(),
)

SPINE_METS_ORDERS: Final = ServiceDescription(
    id="spine-mets-noms-orders",
    hooks=("order-select", "order-sign"),
    title="Spinal metastasis assessment for spine imaging, radiotherapy and surgery orders",
    description=(
        "When a spine MRI or CT, radiotherapy or spine surgery is ordered for a patient with a "
        "spinal metastasis: the NOMS assessment of the levels concerned."
    ),
    prefetch=prefetch_templates(),
)

"""The NOMS-CDS services on offer: their handlers, and their registration in an app.

- ``spine-mets-noms`` (patient-view): the data (prefetch, then the allowed ``fhirServer``),
  the assessment, and a card per level with a spinal metastasis.
- ``spine-mets-noms-orders`` (order-select, order-sign): the same assessment; cards for the
  levels the draft spine orders concern, and for any level where an emergency is still possible.

Both take feedback (stored without patient identifiers). docs/cds-hooks.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from service.alerts import triggers as alert_triggers
from service.cds import cds_runtime
from service.cds.cards import CardSettings, order_cards, patient_view_cards
from service.cds.descriptions import SPINE_METS_NOMS, SPINE_METS_ORDERS
from service.cds.feedback import LazyDatabase, feedback_handler
from service.cds.gathering import gather
from service.cds.hooks import HookRequest
from service.cds.orders import spine_orders
from service.cds.registry import CdsResponse, CdsService
from service.config import Settings
from service.domain.assessment import assess
from service.fhir import extract
from service.views import ReportView, assessment_view
from service.web.runtime import Runtime
from service.worklist import recording as worklist


@dataclass(frozen=True)
class NomsServices:
    """The handlers of both services, bound to one app's settings and clock."""

    settings: Settings
    clock: Callable[[], float]

    @property
    def cards(self) -> CardSettings:
        """What the cards link to."""
        return CardSettings(self.settings.smart_launch_url, self.settings.card_source_url)

    def _view(self, request: HookRequest) -> ReportView:
        # Extraction and assessment only: a card shows the view and writes nothing, so the
        # FHIR results (emit) are not built.
        data = gather(request, self.settings)
        now = datetime.fromtimestamp(self.clock(), UTC)
        extraction = extract.extract(data.resources, request.patient_id, now.date(), data.issues)
        return assessment_view(extraction, assess(extraction.findings), now)

    def patient_view(self, request: HookRequest) -> CdsResponse:
        """patient-view."""
        view = alert_triggers.cds_assessed(self._view(request))  # alerts (docs/alerts.md)
        worklist.note_view(view, "cds-patient-view", request.fhir_server)
        return {"cards": patient_view_cards(view, self.cards)}

    def orders(self, request: HookRequest) -> CdsResponse:
        """order-select and order-sign."""
        found = spine_orders(request.hook, request.context)
        view = self._view(request)
        described = [
            (f"{order.kind.value} ({order.reference})", frozenset(lv.value for lv in order.levels))
            for order in found
        ]
        return {"cards": order_cards(view, self.cards, described)}


def register(state: Runtime) -> NomsServices:
    """Offer both services in the app being set up (inside its app context)."""
    services = NomsServices(state.settings, state.clock)
    take_feedback = feedback_handler(LazyDatabase(state.settings.database_url), state.clock)
    registry = cds_runtime().registry
    registry.register(CdsService(SPINE_METS_NOMS, services.patient_view, take_feedback))
    registry.register(CdsService(SPINE_METS_ORDERS, services.orders, take_feedback))
    return services

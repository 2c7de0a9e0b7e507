"""The peer of benchmarks/cds_latency.py: a HealthChain 0.16.1 patient-view service.

Run only by the benchmark, with the throw-away virtual environment it creates (HealthChain is
never installed into the project's): ``uvicorn healthchain_peer:app --app-dir benchmarks``. The
service does what a HealthChain user writes first: take the request as HealthChain parses it,
walk the prefetch (every entry of every searchset, and the Patient), and answer one card that
counts what it saw. It computes no score: whatever NOMS-CDS spends on the assessment is on top.
"""

from collections import Counter

from healthchain.gateway import CDSHooksService, HealthChainAPI
from healthchain.models import Card, CDSRequest, CDSResponse

SERVICE_ID = "prefetch-walk"

app = HealthChainAPI(title="HealthChain prefetch walk (benchmark peer)")
cds = CDSHooksService()


def _resources(value):
    if not isinstance(value, dict):
        return
    if value.get("resourceType") == "Bundle":
        for entry in value.get("entry") or []:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict):
                yield resource
    else:
        yield value


@cds.hook("patient-view", id=SERVICE_ID, description="Counts the prefetched resources")
def walk_prefetch(request: CDSRequest) -> CDSResponse:
    """One card naming how many resources of each type the prefetch held."""
    counts = Counter(
        resource.get("resourceType", "?")
        for value in (request.prefetch or {}).values()
        for resource in _resources(value)
    )
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no data"
    return CDSResponse(
        cards=[Card(summary=summary[:139], indicator="info", source={"label": "prefetch walk"})]
    )


app.register_service(cds)

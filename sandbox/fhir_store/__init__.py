"""Sandbox FHIR store: an in-memory FHIR R4 server for the demo, end-to-end tests and benchmarks.

A test and demo tool: ``service`` and ``smart_app`` never import it and it imports neither.

    from sandbox.fhir_store import StoreConfig, create_app, running_store

    with running_store(StoreConfig(seed_dir=None)) as base_url:
        ...  # talk FHIR to base_url; the admin API is at <host>/_admin
"""

from .access import Access, AccessPolicy, AccessRule, acting_with
from .app import create_app, store_of
from .config import DEFAULT_SEED_DIR, FaultRule, SearchRequirement, StoreConfig, WriteRefusal
from .engine import FhirStore
from .errors import FhirError
from .seeding import SeedError, seed_store
from .server import RunningStore, running_store, serve_store

__all__ = [
    "DEFAULT_SEED_DIR",
    "Access",
    "AccessPolicy",
    "AccessRule",
    "FaultRule",
    "FhirError",
    "FhirStore",
    "RunningStore",
    "SearchRequirement",
    "SeedError",
    "StoreConfig",
    "WriteRefusal",
    "acting_with",
    "create_app",
    "running_store",
    "seed_store",
    "serve_store",
    "store_of",
]

"""NOMS-CDS service: FHIR in, spinal-metastasis scores and a NOMS recommendation out."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("noms-cds")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

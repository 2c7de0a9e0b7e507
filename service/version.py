"""The package's version, in a module of its own so that any module can name it without
importing ``service`` (whose ``create_app`` imports the web layers: an import cycle)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("noms-cds")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

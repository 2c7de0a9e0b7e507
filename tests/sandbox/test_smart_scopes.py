"""SMART scopes: parsing v1 and v2, what is granted, what a token then allows (no HTTP)."""

from __future__ import annotations

import pytest

from sandbox.fhir_store import AccessRule
from sandbox.smart_auth import ScopedAccess, grant, parse_resource_scope
from sandbox.smart_auth.scopes import resource_scopes, wants_patient_context

# (scope, (context, type, v2 letters, params)) or None when malformed.
# Source: SMART App Launch 2.2 scopes-and-launch-context.md (v1 read = rs, write = cud, * = cruds;
# v2 letters a subset of "cruds" in order; granular scopes take search parameters).
PARSED = [
    ("patient/Observation.read", ("patient", "Observation", "rs", ())),
    ("patient/Observation.write", ("patient", "Observation", "cud", ())),
    ("user/*.*", ("user", "*", "cruds", ())),
    ("patient/*.read", ("patient", "*", "rs", ())),
    ("system/Observation.rs", ("system", "Observation", "rs", ())),
    ("user/Observation.cu", ("user", "Observation", "cu", ())),
    ("patient/Observation.c", ("patient", "Observation", "c", ())),
    ("user/*.cruds", ("user", "*", "cruds", ())),
    (
        "patient/Observation.rs?category=laboratory",
        ("patient", "Observation", "rs", (("category", "laboratory"),)),
    ),
    ("patient/Observation.dus", None),  # letters out of order
    ("patient/Observation.rsu", None),
    ("patient/Observation.", None),
    ("patient/Observation.x", None),
    ("patient/observation.rs", None),  # a type starts with a capital
    ("group/Observation.rs", None),
    ("patient/Observation.read?category=laboratory", None),  # no granular v1 scopes
    ("patient/Observation.rs?category=", None),
    ("launch", None),
    ("openid", None),
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[p[0] for p in PARSED])
def test_resource_scopes_parse(text, expected):
    parsed = parse_resource_scope(text)
    if expected is None:
        assert parsed is None
    else:
        assert (parsed.context, parsed.resource_type, parsed.permissions, parsed.params) == expected


def _supports_category_only(resource_type, params):
    return all(name == "category" for name, _ in params)


# (requested, backend?, granted)
GRANTS = [
    (
        "launch openid fhirUser patient/*.rs user/Observation.cu offline_access",
        False,
        "launch openid fhirUser patient/*.rs user/Observation.cu offline_access",
    ),
    (
        "launch/patient patient/*.read online_access",
        False,
        "launch/patient patient/*.read online_access",
    ),
    ("system/*.read patient/*.rs", False, "patient/*.rs"),  # no system scopes for launched apps
    ("system/*.read patient/*.rs launch openid", True, "system/*.read"),  # backend: system only
    ("patient/Observation.dus nonsense patient/Patient.rs", False, "patient/Patient.rs"),
    ("patient/Observation.rs?category=exam", False, "patient/Observation.rs?category=exam"),
    ("patient/Observation.rs?date=ge2024", False, ""),  # the store cannot enforce it
    ("patient/*.rs?category=exam", False, ""),  # parameters of which type?
    ("patient/*.rs patient/*.rs", False, "patient/*.rs"),  # repeats once
    ("", False, ""),
    (None, True, ""),
]


@pytest.mark.parametrize(
    ("requested", "backend", "granted"), GRANTS, ids=[g[0] or "none" for g in GRANTS]
)
def test_what_is_granted(requested, backend, granted):
    result = grant(requested, backend=backend, params_supported=_supports_category_only)
    assert " ".join(result) == granted


@pytest.mark.parametrize(
    ("scopes", "wanted"),
    [
        (["launch/patient"], True),
        (["patient/Observation.rs"], True),
        (["user/*.rs", "openid"], False),
        (["launch", "user/*.cruds"], False),
    ],
)
def test_a_patient_must_be_picked_for_patient_scopes(scopes, wanted):
    # SMART: "If a patient/ scope is granted, the EHR SHALL establish a patient context".
    assert wants_patient_context(scopes) is wanted


def _access(*scopes: str, patient: str | None = "p1", user=None) -> ScopedAccess:
    return ScopedAccess(tuple(resource_scopes(scopes)), patient, user)


RULES = [
    (("patient/*.rs",), "r", "Observation", [AccessRule("p1", (), "patient/*.rs")]),
    (
        ("patient/*.rs",),
        "c",
        "Observation",
        [],
    ),  # write does not come with read, nor read with write
    (("patient/Observation.c",), "r", "Observation", []),
    (
        ("patient/Observation.c",),
        "c",
        "Observation",
        [AccessRule("p1", (), "patient/Observation.c")],
    ),
    (
        ("user/Observation.write",),
        "u",
        "Observation",
        [AccessRule(None, (), "user/Observation.write")],
    ),
    (("user/Observation.write",), "u", "Condition", []),
    (("system/*.cruds",), "s", "Patient", [AccessRule(None, (), "system/*.cruds")]),
    (
        ("patient/Observation.rs?category=laboratory",),
        "s",
        "Observation",
        [
            AccessRule(
                "p1", (("category", "laboratory"),), "patient/Observation.rs?category=laboratory"
            )
        ],
    ),
]


@pytest.mark.parametrize(("scopes", "interaction", "resource_type", "rules"), RULES)
def test_rules_of_a_token(scopes, interaction, resource_type, rules):
    assert _access(*scopes).rules(interaction, resource_type) == rules


def test_patient_scopes_allow_nothing_without_a_patient_context():
    assert _access("patient/*.cruds", patient=None).rules("r", "Observation") == []


def test_fhiruser_allows_reading_exactly_the_users_practitioner():
    access = _access(user=("Practitioner", "sandbox-clinician"))
    assert access.rules("r", "Practitioner") == [
        AccessRule(None, (("_id", "sandbox-clinician"),), "fhirUser")
    ]
    assert access.rules("s", "Practitioner") == []
    assert access.rules("u", "Practitioner") == []

"""Subscription notifications: authentication first, then every accepted shape.

The topic-based examples are the Subscriptions R5 Backport IG's own (tests/data/subscriptions).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.alerts.errors import NotificationError, NotificationUnauthorized
from service.alerts.notifications import (
    Notification,
    NotificationAuth,
    ResourceReference,
    parse_notification,
    parse_reference,
    receive_notification,
)
from tests.conftest import DATA, load

EXAMPLES = DATA / "subscriptions"
SECRET = "Bearer 2f1e6c0a9d8b7c6e5f4a3b2c"
AUTH = NotificationAuth("Authorization", (SECRET,))
HEADERS = {"Authorization": SECRET, "Content-Type": "application/fhir+json"}
ENCOUNTER = ResourceReference(
    "Encounter", "86009987-eabe-42bf-8c02-b112b18cb616", "https://example.org/fhir"
)
PATIENT = ResourceReference(
    "Patient", "1599eb66-431a-447c-a3de-6897fe9ae9a1", "https://example.org/fhir"
)


def example(name: str) -> dict[str, Any]:
    return load(EXAMPLES / f"{name}.json")


def receive(document: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> Notification:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return receive_notification(headers=headers or HEADERS, body=body, auth=AUTH, **kwargs)


# -- authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/fhir+json"},
        {"Authorization": ""},
        {"Authorization": "Bearer wrong-secret-0000000000"},
        {"Authorization": SECRET[:-1]},
        {"Authorization": SECRET + "x"},
        {"Authorization": SECRET.replace("Bearer", "Basic")},
        {"X-Other": SECRET},
    ],
    ids=[
        "none",
        "no-auth-header",
        "empty",
        "wrong",
        "truncated",
        "extended",
        "scheme",
        "other-header",
    ],
)
def test_a_missing_or_wrong_secret_is_refused_before_the_body_is_read(headers):
    with pytest.raises(NotificationUnauthorized) as caught:
        # The body is not even JSON: authentication must fail first, and say nothing more.
        receive_notification(headers=headers, body=b"<not json>", auth=AUTH)
    assert caught.value.status == 401
    assert SECRET not in str(caught.value)


def test_header_names_match_in_any_case_and_values_ignore_surrounding_space():
    notification = receive(b"", {"authorization": f"  {SECRET} "})
    assert notification.kind == "event"


def test_a_custom_header_and_a_rotated_secret():
    auth = NotificationAuth(
        "X-Subscription-Key", ("old-key-0123456789abcdef", "new-key-0123456789abcdef")
    )
    for key in auth.values:
        receive_notification(headers={"x-subscription-key": key}, body=b"", auth=auth)
    with pytest.raises(NotificationUnauthorized):
        receive_notification(headers={"X-Subscription-Key": "x" * 24}, body=b"", auth=auth)


def test_auth_from_a_subscription_header_line():
    auth = NotificationAuth.from_header_line(f"Authorization: {SECRET}")
    assert auth.header == "Authorization" and auth.values == (SECRET,)
    assert SECRET not in repr(auth)


@pytest.mark.parametrize(
    ("header", "values"),
    [("Authorization", ("short",)), ("Bad Header", (SECRET,)), ("Authorization", ())],
)
def test_weak_or_invalid_auth_settings_are_refused(header, values):
    with pytest.raises(ValueError):
        NotificationAuth(header, values)


# -- R4 rest-hook ----------------------------------------------------------------------------------


def test_an_empty_r4_rest_hook_post_is_an_event_without_focus():
    notification = receive(b"")
    assert notification == Notification(kind="event", format="r4-rest-hook")
    assert notification.focus == () and notification.patients == ()


def test_an_r4_rest_hook_with_the_resource_as_payload():
    observation = {
        "resourceType": "Observation",
        "id": "123",
        "status": "final",
        "code": {"text": "ESCC"},
        "subject": {"reference": "Patient/55"},
    }
    notification = receive(observation, path="Observation/123")
    assert notification.kind == "event" and notification.format == "r4-rest-hook"
    assert notification.focus == ("Observation/123",)
    assert notification.patients == ("Patient/55",)


def test_an_r4_rest_hook_whose_url_names_another_resource_is_refused():
    with pytest.raises(NotificationError, match="another resource"):
        receive({"resourceType": "ImagingStudy", "id": "9"}, path="ImagingStudy/10")


def test_an_imaging_study_payload_names_its_patient():
    study = {"resourceType": "ImagingStudy", "id": "9", "subject": {"reference": "Patient/55"}}
    assert receive(study).focus == ("ImagingStudy/9",)
    assert receive(study).patients == ("Patient/55",)


# -- topic-based: the IG's examples ----------------------------------------------------------------


@pytest.mark.parametrize("version", ["r4", "r4b"])
def test_handshake_and_heartbeat(version):
    handshake = receive(example(f"{version}-notification-handshake"))
    assert handshake.kind == "handshake" and handshake.status == "requested"
    assert handshake.events == () and handshake.events_since_start == 0
    heartbeat = receive(example(f"{version}-notification-heartbeat"))
    assert heartbeat.kind == "heartbeat" and heartbeat.status == "active"
    assert heartbeat.events_since_start == 2
    expected_format = "backport-r4" if version == "r4" else "backport-r4b"
    assert handshake.format == heartbeat.format == expected_format
    assert handshake.subscription == "https://example.org/fhir/Subscription/admission"
    assert handshake.topic == "http://hl7.org/SubscriptionTopic/admission"


@pytest.mark.parametrize("version", ["r4", "r4b"])
def test_an_empty_event_counts_but_names_no_focus(version):
    notification = receive(example(f"{version}-notification-empty"))
    assert notification.kind == "event"
    (event,) = notification.events
    assert event.number == 2 and event.focus is None and event.patient is None
    assert event.timestamp == "2020-05-29T11:44:13.1882432-05:00"


@pytest.mark.parametrize("version", ["r4", "r4b"])
def test_an_id_only_event_names_its_focus(version):
    notification = receive(example(f"{version}-notification-id-only"))
    (event,) = notification.events
    assert event.focus == ENCOUNTER and event.patient is None
    assert notification.focus == ("Encounter/86009987-eabe-42bf-8c02-b112b18cb616",)


@pytest.mark.parametrize("version", ["r4", "r4b"])
def test_a_full_resource_event_names_the_patient_from_the_included_resource(version):
    (event,) = receive(example(f"{version}-notification-full-resource")).events
    assert event.focus == ENCOUNTER and event.patient == PATIENT


@pytest.mark.parametrize("version", ["r4", "r4b"])
def test_a_multi_resource_event_names_the_patient_from_its_context(version):
    notification = receive(example(f"{version}-notification-multi-resource"))
    (event,) = notification.events
    assert event.focus == ENCOUNTER and event.patient == PATIENT
    assert event.additional_context == (PATIENT,)
    assert notification.patients == ("Patient/1599eb66-431a-447c-a3de-6897fe9ae9a1",)


@pytest.mark.parametrize("version", ["r4", "r4b"])
def test_a_query_status_answer_is_not_a_notification(version):
    with pytest.raises(NotificationError, match="handshake, heartbeat or event-notification"):
        receive(example(f"{version}-notification-error"))


def test_an_r5_notification_bundle():
    bundle = example("r4b-notification-id-only")
    bundle["type"] = "subscription-notification"
    notification = receive(bundle)
    assert notification.format == "r5" and notification.focus == (ENCOUNTER.relative,)


def test_several_events_with_spine_findings():
    bundle = example("r4b-notification-id-only")
    status = bundle["entry"][0]["resource"]
    status["notificationEvent"] = [
        {"eventNumber": "3", "focus": {"reference": "Observation/esc-1"}},
        {
            "eventNumber": "4",
            "focus": {"reference": "ImagingStudy/9"},
            "additionalContext": [{"reference": "Patient/55"}],
        },
        {"eventNumber": "5", "focus": {"reference": "Patient/55"}},
        {"eventNumber": "6", "focus": {"reference": "Observation/esc-1"}},
        {"eventNumber": "7", "focus": {"display": "not a FHIR reference"}},
    ]
    notification = receive(bundle)
    assert [e.number for e in notification.events] == [3, 4, 5, 6, 7]
    assert notification.focus == ("Observation/esc-1", "ImagingStudy/9", "Patient/55")
    assert notification.patients == ("Patient/55",)
    assert notification.events[-1].focus is None  # still an event: re-run the query


def test_a_urn_uuid_focus_is_resolved_through_the_included_resource():
    bundle = example("r4b-notification-full-resource")
    bundle["entry"][1]["fullUrl"] = "urn:uuid:8a4b1f9e-0000-4000-8000-000000000001"
    bundle["entry"][0]["resource"]["notificationEvent"][0]["focus"]["reference"] = (
        "urn:uuid:8a4b1f9e-0000-4000-8000-000000000001"
    )
    (event,) = receive(bundle).events
    assert event.focus == ResourceReference("Encounter", "86009987-eabe-42bf-8c02-b112b18cb616")
    assert event.patient == PATIENT


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a FHIR resource"),
        ({"resourceType": "Bundle", "type": "searchset", "entry": []}, "type history"),
        ({"resourceType": "Bundle", "type": "history"}, "status entry"),
        (
            {
                "resourceType": "Bundle",
                "type": "history",
                "entry": [{"resource": {"resourceType": "Patient"}}],
            },
            "SubscriptionStatus or Parameters",
        ),
        ({"resourceType": "Bundle", "type": "history", "entry": [{}]}, "no resource"),
        ({"resourceType": "Observation"}, "valid type and id"),
        ({"resourceType": "Observation", "id": "bad id!"}, "valid type and id"),
        (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
    ],
    ids=[
        "broken-json",
        "array",
        "searchset",
        "no-entries",
        "wrong-first",
        "empty-entry",
        "no-id",
        "bad-id",
        "deeply-nested",
    ],
)
def test_bad_notifications_are_refused_with_400(document, message):
    with pytest.raises(NotificationError, match=message) as caught:
        receive(document)
    assert caught.value.status == 400


def test_a_missing_type_is_refused():
    bundle = example("r4b-notification-heartbeat")
    del bundle["entry"][0]["resource"]["type"]
    with pytest.raises(NotificationError, match="type must be"):
        receive(bundle)


def test_size_and_media_type_limits():
    with pytest.raises(NotificationError) as too_big:
        receive(b" " * 11, max_bytes=10)
    assert too_big.value.status == 413
    with pytest.raises(NotificationError) as xml:
        receive(b"<Bundle/>", {"Authorization": SECRET, "Content-Type": "application/fhir+xml"})
    assert xml.value.status == 415
    bundle = example("r4b-notification-id-only")
    bundle["entry"][0]["resource"]["notificationEvent"] *= 1001
    with pytest.raises(NotificationError) as many:
        receive(bundle)
    assert many.value.status == 413


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Observation/123", ResourceReference("Observation", "123")),
        ("Observation/123/_history/2", ResourceReference("Observation", "123", None, "2")),
        (
            "https://ehr.example.org/fhir/R4/ImagingStudy/a.b-c",
            ResourceReference("ImagingStudy", "a.b-c", "https://ehr.example.org/fhir/R4"),
        ),
        ("urn:uuid:8a4b1f9e-0000-4000-8000-000000000001", None),
        ("observation/123", None),
        ("Observation/", None),
        ("Observation/" + "x" * 65, None),
        ("#contained", None),
        (42, None),
    ],
)
def test_parse_reference(text, expected):
    assert parse_reference(text) == expected


def test_parse_notification_takes_a_parsed_document():
    assert parse_notification(example("r4-notification-heartbeat")).kind == "heartbeat"

"""A checker of CDS Hooks 2.0 responses: every rule the specification states for cards.

Source: CDS Hooks 2.0 §CDS Service Response (Card, Source, Suggestion, Action, Link,
overrideReasons, systemActions) and the general JSON rule (no ``null`` and no empty strings,
arrays or objects unless stated). Returns the list of problems found, so a test can show them all
(``assert problems(response) == []``). Strict where the spec leaves room: unknown members are
reported (only ``extension`` is reserved for additions), and the uuids our feedback relies on
must be UUIDs, unique across the response.
"""

from __future__ import annotations

import uuid
from typing import Any, Final
from urllib.parse import urlsplit

INDICATORS: Final = frozenset({"info", "warning", "critical"})
SELECTION_BEHAVIORS: Final = frozenset({"at-most-one", "any"})
ACTION_TYPES: Final = frozenset({"create", "update", "delete"})
LINK_TYPES: Final = frozenset({"absolute", "smart"})
CARD_MEMBERS: Final = frozenset(
    {
        "uuid",
        "summary",
        "detail",
        "indicator",
        "source",
        "suggestions",
        "selectionBehavior",
        "overrideReasons",
        "links",
        "extension",
    }
)
SOURCE_MEMBERS: Final = frozenset({"label", "url", "icon", "topic", "extension"})
SUGGESTION_MEMBERS: Final = frozenset({"label", "uuid", "isRecommended", "actions", "extension"})
ACTION_MEMBERS: Final = frozenset({"type", "description", "resource", "resourceId", "extension"})
LINK_MEMBERS: Final = frozenset(
    {"label", "url", "type", "appContext", "autolaunchable", "extension"}
)
CODING_MEMBERS: Final = frozenset({"system", "code", "display", "version", "userSelected"})


class _Checker:
    def __init__(self) -> None:
        self.found: list[str] = []
        self.uuids: set[str] = set()

    def problem(self, where: str, text: str) -> None:
        self.found.append(f"{where}: {text}")

    def no_empty_values(self, where: str, value: Any) -> None:
        """The general rule: no null, "", [] or {} anywhere (cards: [] is checked elsewhere)."""
        if value is None or value in ("", [], {}):
            self.problem(where, "null or empty value")
        elif isinstance(value, dict):
            for key, item in value.items():
                self.no_empty_values(f"{where}.{key}", item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.no_empty_values(f"{where}[{index}]", item)

    def members(self, where: str, value: dict, allowed: frozenset[str]) -> None:
        for key in sorted(value.keys() - allowed):
            self.problem(where, f"unknown member {key!r}")

    def string(self, where: str, value: Any, required: bool = True) -> bool:
        if value is None:
            if required:
                self.problem(where, "is required")
            return False
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "must be a non-empty string")
            return False
        return True

    def absolute_url(self, where: str, value: Any) -> None:
        if self.string(where, value):
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                self.problem(where, f"must be an absolute URL, not {value!r}")

    def unique_uuid(self, where: str, value: Any, required: bool) -> None:
        if not self.string(where, value, required):
            return
        try:
            uuid.UUID(value)
        except ValueError:
            self.problem(where, "must be a UUID")
        if value in self.uuids:
            self.problem(where, f"uuid {value} is not unique in the response")
        self.uuids.add(value)

    def coding(self, where: str, value: Any, display_required: bool) -> None:
        if not isinstance(value, dict):
            self.problem(where, "must be a Coding")
            return
        self.members(where, value, CODING_MEMBERS)
        self.string(f"{where}.code", value.get("code"))
        self.absolute_url(f"{where}.system", value.get("system"))
        self.string(f"{where}.display", value.get("display"), display_required)

    def source(self, where: str, value: Any) -> None:
        if not isinstance(value, dict):
            self.problem(where, "is required and must be an object")
            return
        self.members(where, value, SOURCE_MEMBERS)
        self.string(f"{where}.label", value.get("label"))
        for name in ("url", "icon"):
            if name in value:
                self.absolute_url(f"{where}.{name}", value[name])
        if "topic" in value:
            self.coding(f"{where}.topic", value["topic"], display_required=False)

    def action(self, where: str, value: Any) -> None:
        if not isinstance(value, dict):
            self.problem(where, "must be an object")
            return
        self.members(where, value, ACTION_MEMBERS)
        kind = value.get("type")
        if kind not in ACTION_TYPES:
            self.problem(f"{where}.type", f"must be one of {sorted(ACTION_TYPES)}")
        self.string(f"{where}.description", value.get("description"))
        resource = value.get("resource")
        if kind in {"create", "update"}:
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                self.problem(f"{where}.resource", f"a {kind} needs a FHIR resource")
        if kind == "delete" and "resourceId" not in value:
            self.problem(f"{where}.resourceId", "a delete SHOULD name the resource")

    def suggestion(self, where: str, value: Any) -> None:
        if not isinstance(value, dict):
            self.problem(where, "must be an object")
            return
        self.members(where, value, SUGGESTION_MEMBERS)
        self.string(f"{where}.label", value.get("label"))
        self.unique_uuid(f"{where}.uuid", value.get("uuid"), required=False)
        if "isRecommended" in value and not isinstance(value["isRecommended"], bool):
            self.problem(f"{where}.isRecommended", "must be a boolean")
        actions = value.get("actions", [])
        if not isinstance(actions, list):
            self.problem(f"{where}.actions", "must be an array")
            return
        for index, action in enumerate(actions):
            self.action(f"{where}.actions[{index}]", action)

    def link(self, where: str, value: Any) -> None:
        if not isinstance(value, dict):
            self.problem(where, "must be an object")
            return
        self.members(where, value, LINK_MEMBERS)
        self.string(f"{where}.label", value.get("label"))
        self.absolute_url(f"{where}.url", value.get("url"))
        kind = value.get("type")
        if kind not in LINK_TYPES:
            self.problem(f"{where}.type", f"must be one of {sorted(LINK_TYPES)}")
        if "appContext" in value:
            if kind != "smart":
                self.problem(f"{where}.appContext", "only a smart link carries an appContext")
            self.string(f"{where}.appContext", value["appContext"])
        if "autolaunchable" in value and not isinstance(value["autolaunchable"], bool):
            self.problem(f"{where}.autolaunchable", "must be a boolean")

    def card(self, where: str, value: Any) -> None:
        if not isinstance(value, dict):
            self.problem(where, "must be an object")
            return
        self.members(where, value, CARD_MEMBERS)
        self.no_empty_values(where, value)
        self.unique_uuid(f"{where}.uuid", value.get("uuid"), required=False)
        if self.string(f"{where}.summary", value.get("summary")) and len(value["summary"]) >= 140:
            self.problem(
                f"{where}.summary", f"must be under 140 characters ({len(value['summary'])})"
            )
        if "detail" in value:
            self.string(f"{where}.detail", value["detail"])
        if value.get("indicator") not in INDICATORS:
            self.problem(f"{where}.indicator", f"must be one of {sorted(INDICATORS)}")
        self.source(f"{where}.source", value.get("source"))
        if self.each(where, value, "suggestions", self.suggestion):
            if value.get("selectionBehavior") not in SELECTION_BEHAVIORS:
                self.problem(
                    f"{where}.selectionBehavior",
                    f"is required with suggestions, one of {sorted(SELECTION_BEHAVIORS)}",
                )
        elif "selectionBehavior" in value:
            self.problem(f"{where}.selectionBehavior", "is only for cards with suggestions")
        self.each(
            where,
            value,
            "overrideReasons",
            lambda at, reason: self.coding(at, reason, display_required=True),
        )
        self.each(where, value, "links", self.link)

    def each(self, where: str, value: dict, name: str, check) -> bool:
        """Check every element of the array ``value[name]``; False when it is absent."""
        items = value.get(name)
        if items is None:
            return False
        if not isinstance(items, list):
            self.problem(f"{where}.{name}", "must be an array")
            return True
        for index, item in enumerate(items):
            check(f"{where}.{name}[{index}]", item)
        return True


def problems(response: Any, *, card_uuids_required: bool = True) -> list[str]:
    """Everything in a CDS Hooks 2.0 response that breaks the specification's rules.

    Args:
        response: The parsed JSON answer of a service call.
        card_uuids_required: Require a ``uuid`` on every card (our services always send one:
            feedback names the card by it).
    """
    checker = _Checker()
    if not isinstance(response, dict) or not isinstance(response.get("cards"), list):
        return ["response: must be an object with a cards array"]
    for key in sorted(response.keys() - {"cards", "systemActions", "extension"}):
        checker.problem("response", f"unknown member {key!r}")
    for index, card in enumerate(response["cards"]):
        where = f"cards[{index}]"
        if card_uuids_required and isinstance(card, dict) and "uuid" not in card:
            checker.problem(f"{where}.uuid", "is required (feedback names the card by it)")
        checker.card(where, card)
    actions = response.get("systemActions")
    if actions is not None:
        if not isinstance(actions, list) or not actions:
            checker.problem("systemActions", "must be a non-empty array when present")
        else:
            for index, action in enumerate(actions):
                checker.action(f"systemActions[{index}]", action)
    return checker.found

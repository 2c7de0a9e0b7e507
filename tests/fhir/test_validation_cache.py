"""The verdict cache of ``models.validate``: a cached verdict is the verdict, the key is the
content, and the cache stays within its bound."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest

from service import demo
from service.fhir import extract, models

CONDITION = {
    "resourceType": "Condition",
    "id": "c1",
    "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "94503003"}]},
}
# An element the R4B Condition does not have: invalid.
BROKEN = {**CONDITION, "id": "c2", "notAnElement": True}


@pytest.fixture(autouse=True)
def empty_cache():
    models.clear_validation_cache()
    yield
    models.clear_validation_cache()


def verdict(resource: dict[str, Any]) -> str | None:
    try:
        models.validate(resource)
    except models.InvalidResource as exc:
        return str(exc)
    return None


def uncached_verdict(resource: dict[str, Any]) -> str | None:
    try:
        models._validate_uncached(resource)
    except models.InvalidResource as exc:
        return str(exc)
    return None


def test_a_cached_verdict_is_the_verdict_for_valid_and_invalid_resources() -> None:
    assert uncached_verdict(CONDITION) is None
    assert "notAnElement" in (uncached_verdict(BROKEN) or "")
    first = [verdict(CONDITION), verdict(BROKEN)]
    assert models.validation_cache_info().misses == 2
    again = [verdict(copy.deepcopy(CONDITION)), verdict(copy.deepcopy(BROKEN))]
    info = models.validation_cache_info()
    assert (info.hits, info.misses, info.size) == (2, 2, 2)
    assert first == again == [uncached_verdict(CONDITION), uncached_verdict(BROKEN)]


def test_every_demo_patients_resources_get_the_same_verdict_from_the_cache() -> None:
    for name in demo.patient_names():
        for resource in extract.read_bundle(demo.load_patient(name)).resources:
            fresh = uncached_verdict(resource)
            assert verdict(resource) == fresh  # miss (or a hit from an identical resource)
            assert verdict(resource) == fresh  # hit
    assert models.validation_cache_info().hits > 0


def test_the_key_is_the_content_not_the_object() -> None:
    assert models.content_key(copy.deepcopy(CONDITION)) == models.content_key(CONDITION)
    assert models.content_key({**CONDITION, "id": "é"}) != models.content_key(CONDITION)
    changed = copy.deepcopy(CONDITION)
    changed["code"]["coding"][0]["code"] = "94503004"
    assert models.content_key(changed) != models.content_key(CONDITION)
    # 1, 1.0 and true are different JSON (and may validate differently): different keys.
    keys = {models.content_key({"resourceType": "Basic", "x": x}) for x in (1, 1.0, True)}
    assert len(keys) == 3
    # The same members in another order: another key (a miss, never a wrong verdict).
    reordered = dict(reversed(list(CONDITION.items())))
    assert models.content_key(reordered) != models.content_key(CONDITION)
    # A resource changed after its verdict was cached is validated afresh.
    assert verdict(CONDITION) is None
    assert verdict({**CONDITION, "notAnElement": 1}) is not None


def test_what_is_not_json_data_is_validated_without_the_cache() -> None:
    class Text(str):
        pass

    odd = {**CONDITION, "id": Text("c1")}
    assert models.content_key(odd) is None
    assert verdict(odd) == uncached_verdict(odd)
    assert models.validation_cache_info().size == 0


def test_the_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    cache = models._VerdictCache(3)
    for key in (b"a", b"b", b"c"):
        cache.put(key, None)
    assert cache.get(b"a") == (True, None)  # a is now the most recently used
    cache.put(b"d", "bad")
    assert cache.get(b"b") == (False, None)  # b was the least recently used: forgotten
    assert cache.get(b"d") == (True, "bad")
    assert cache.info().size == 3


def test_the_process_cache_never_holds_more_than_its_bound() -> None:
    bound = models.validation_cache_info().max_size
    assert bound == models.VERDICT_CACHE_SIZE
    for number in range(bound + 50):  # invalid resources: rejected before any element is read
        verdict({"resourceType": "Condition", "id": f"c{number}", "bogus": number})
    info = models.validation_cache_info()
    assert info.size == bound and info.misses == bound + 50
    assert verdict({"resourceType": "Condition", "id": "c0", "bogus": 0}) is not None
    assert models.validation_cache_info().misses == bound + 51  # the oldest was forgotten


def test_threads_sharing_the_cache_get_the_same_verdicts() -> None:
    resources = [{**CONDITION, "id": f"c{n}"} for n in range(50)] + [BROKEN]
    expected = [uncached_verdict(r) for r in resources]
    found: list[list[str | None]] = []

    def work() -> None:
        found.append([verdict(r) for r in resources])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [expected] * 4

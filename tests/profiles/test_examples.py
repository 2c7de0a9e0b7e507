"""Every compiled example validates against the profile it claims; one example per profile."""

from collections import Counter

import pytest

from tests.profiles.validation import (
    PROFILE_BASE,
    examples,
    profile_urls,
    validate_claimed,
)


@pytest.mark.parametrize("key", sorted(examples()))
def test_example_validates_against_its_profile(key):
    assert validate_claimed(examples()[key]) == []


def test_every_profile_has_exactly_one_example():
    claimed = Counter(url for example in examples().values() for url in example["meta"]["profile"])
    assert {url: claimed[url] for url in profile_urls()} == dict.fromkeys(profile_urls(), 1)


def test_every_example_claims_exactly_one_of_our_profiles():
    for key, example in examples().items():
        profiles = example.get("meta", {}).get("profile", [])
        assert len(profiles) == 1 and profiles[0].startswith(PROFILE_BASE), key

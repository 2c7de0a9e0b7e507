"""The bounded JSON reader: depth measured before parsing, hostile inputs answered cleanly."""

from __future__ import annotations

import json

import pytest

from service.errors import InvalidJson, JsonTooDeep
from service.jsonlimits import loads_bounded, nesting_depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b"[[[]]]", 3),
        (b'{"a": {"b": [1, 2, {"c": null}]}}', 4),
        (b'["[[[[", "{{{{"]', 1),  # brackets inside strings do not count
        (b'["\\"[[[", 1]', 1),  # an escaped quote does not end the string
        (b'["\\\\", [[]]]', 3),  # an escaped backslash does
        (b"[][][]", 1),
    ],
)
def test_depth_ignores_strings_and_counts_nesting(text: bytes, depth: int):
    assert nesting_depth(text) == depth


def test_depth_equals_the_parsers_on_real_fhir(austin):
    def depth(value) -> int:
        if isinstance(value, dict):
            return 1 + max((depth(v) for v in value.values()), default=0)
        if isinstance(value, list):
            return 1 + max((depth(v) for v in value), default=0)
        return 0

    assert nesting_depth(json.dumps(austin).encode()) == depth(austin)


def test_hundred_thousand_deep_array_is_refused_before_parsing():
    with pytest.raises(JsonTooDeep, match="100000 levels"):
        loads_bounded(b"[" * 100_000 + b"]" * 100_000)


def test_the_limit_is_inclusive():
    assert loads_bounded("[" * 64 + "]" * 64, max_depth=64) is not None
    with pytest.raises(JsonTooDeep):
        loads_bounded("[" * 65 + "]" * 65, max_depth=64)


def test_unbalanced_deep_input_is_still_a_clean_error():
    with pytest.raises(JsonTooDeep):
        loads_bounded(b'{"a":' * 50_000)


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"{",
        b"[1, 2",
        b"{'single': 'quotes'}",
        b"[NaN]",
        b"[Infinity]",
        b'"unterminated',
        b"\xff\xfe[]",  # not UTF-8
        b'"\\"\\"\\"' * 10_000,  # quotes that never close: linear, not quadratic
    ],
)
def test_not_json_is_invalid_json(text: bytes):
    with pytest.raises(InvalidJson):
        loads_bounded(text)


def test_byte_order_mark_and_strings_are_accepted():
    assert loads_bounded(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert loads_bounded('{"name": "Zoë"}') == {"name": "Zoë"}


def test_error_messages_do_not_echo_the_input():
    with pytest.raises(InvalidJson) as caught:
        loads_bounded(b'{"patient": "Jane Doe" ')
    assert "Jane" not in str(caught.value)

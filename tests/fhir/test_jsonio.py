"""Bounded JSON reading (service.fhir.jsonio): limits, one-line errors, and a depth measured on
the bytes that agrees with the parsed value's depth."""

from __future__ import annotations

import io
import itertools
import json
import marshal
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import InvalidJson, JsonTooDeep, JsonTooLarge
from service.fhir import jsonio
from tests.conftest import DEMO, SYNTHEA

REAL_FILES = sorted(DEMO.glob("*.json")) + sorted(SYNTHEA.glob("*.json"))


def same_reading(a: Any, b: Any) -> bool:
    """Equal and of the same JSON types throughout (``==`` alone takes 7 for 7.0, 0.0 for -0.0)."""
    return marshal.dumps(a, 2) == marshal.dumps(b, 2)


def depth(value: Any) -> int:
    """Nesting of arrays and objects of a parsed value (``[]`` is 1)."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda path: path.stem[:30])
def test_real_files_read_as_the_standard_library_reads_them(path: Path):
    data = path.read_bytes()
    assert same_reading(jsonio.loads(data), json.loads(data))
    assert same_reading(jsonio.load_path(path), json.loads(data))
    assert not jsonio.nesting_exceeds(data, depth(json.loads(data)))
    assert jsonio.nesting_exceeds(data, depth(json.loads(data)) - 1)


# Strings full of what would fool a naive scan: brackets, quotes, backslashes, escapes.
tricky_text = st.text(alphabet='[]{}"\\/ \n\tabu0é€', max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(tricky_text, children, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, ascii_only=st.booleans(), indent=st.sampled_from([None, 1]))
def test_depth_on_the_bytes_is_the_depth_of_the_value(value: Any, ascii_only: bool, indent):
    data = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode()
    true_depth = depth(value)
    for limit in range(max(0, true_depth - 2), true_depth + 2):
        assert jsonio.nesting_exceeds(data, limit) is (true_depth > limit)


def test_many_escapes_take_the_other_path_with_the_same_answer():
    strings = ['"[', "\\", '"{{', '\\"]'] * 2000  # quotes and backslashes: escaped
    for limit, expected in ((4, False), (3, True)):
        data = json.dumps({"a": [{"b": strings}]}).encode()
        assert data.count(b"\\") > 4096
        assert jsonio.nesting_exceeds(data, limit) is expected


@pytest.mark.parametrize(
    ("text", "limit", "deep"),
    [
        ("[]", 1, False),
        ("[[]]", 1, True),
        ('{"a": [1, {"b": []}]}', 4, False),
        ('{"a": [1, {"b": []}]}', 3, True),
        ('["[[[[[[", "]]]]"]', 1, False),
        ('["\\"[[[[[[\\"", "\\\\"]', 1, False),
        ('{"\\\\": [[]]}', 2, True),
        ("1", 0, False),
    ],
)
def test_depth_boundaries(text: str, limit: int, deep: bool):
    if deep:
        with pytest.raises(JsonTooDeep, match=f"deeper than the {limit} levels allowed"):
            jsonio.loads(text, max_depth=limit)
    else:
        assert jsonio.loads(text, max_depth=limit) == json.loads(text)


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_a_100000_deep_document_is_too_deep_not_a_recursion_error(opening: str):
    closing = "]" if opening == "[" else "}"
    text = opening * 100_000 + "1" + closing * 100_000
    with pytest.raises(JsonTooDeep) as info:
        jsonio.loads(text, what="deep.json")
    assert str(info.value) == (
        "deep.json nests arrays and objects deeper than the 100 levels allowed"
    )
    assert info.value.limit == 100 and info.value.__cause__ is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a": }', "x is not valid JSON (line 1, column 7: Expecting value)"),
        (b'{"a": NaN}', "x holds NaN, which JSON does not allow"),
        (b"[-Infinity]", "x holds -Infinity, which JSON does not allow"),
        (b'"\xff"', "x is not UTF-8 text"),
        (b"", "x is not valid JSON (line 1, column 1: Expecting value)"),
        (b"[" + b"9" * 5000 + b"]", "x is not valid JSON (Exceeds the limit (4300 digits)"),
    ],
    ids=["syntax", "nan", "infinity", "not-utf8", "empty", "huge-integer"],
)
def test_bad_json_is_one_clear_line(data: bytes, message: str):
    with pytest.raises(InvalidJson) as info:
        jsonio.loads(data, what="x")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value) and info.value.__cause__ is None


def test_size_is_checked_before_parsing():
    with pytest.raises(JsonTooLarge, match="the input is larger than the 1 KiB allowed") as info:
        jsonio.loads(b"[" + b"0," * 600 + b"0]", max_bytes=1024)
    assert info.value.limit == 1024
    assert jsonio.loads(b" " * 1000 + b"[]", max_bytes=1024) == []


def test_an_endless_stream_is_cut_off_at_the_limit():
    chunks = itertools.repeat(b"[1," * 10_000)  # never ends
    pulled = 0

    def counted():
        nonlocal pulled
        for chunk in chunks:
            pulled += 1
            yield chunk

    with pytest.raises(JsonTooLarge, match="the body is larger than the 1 MiB allowed"):
        jsonio.load(counted(), max_bytes=1024 * 1024, what="the body")
    assert pulled == 1024 * 1024 // 30_000 + 1  # stopped at the first chunk past the limit


def test_a_binary_stream_reads_like_a_file():
    assert jsonio.load(io.BytesIO(b'{"resourceType": "Bundle"}')) == {"resourceType": "Bundle"}
    with pytest.raises(JsonTooLarge):
        jsonio.load(io.BytesIO(b"[" + b" " * 200_000 + b"]"), max_bytes=100_000)


def test_a_file_that_cannot_be_opened(tmp_path: Path):
    with pytest.raises(InvalidJson, match=r"cannot read .*missing.json: No such file"):
        jsonio.load_path(tmp_path / "missing.json")
    with pytest.raises(InvalidJson, match="Is a directory"):
        jsonio.load_path(tmp_path)


def test_size_descriptions():
    assert [jsonio.describe_size(n) for n in (64 * 2**20, 512 * 1024, 100)] == [
        "64 MiB",
        "512 KiB",
        "100 bytes",
    ]


# Cases first written for the web service's reader (now this one), kept.


@pytest.mark.parametrize(
    ("text", "depth_of_text"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b"[[[]]]", 3),
        (b'{"a": {"b": [1, 2, {"c": null}]}}', 4),
        (b'["[[[[", "{{{{"]', 1),  # brackets inside strings do not count
        (b'["\\"[[[", 1]', 1),  # an escaped quote does not end the string
        (b'["\\\\", [[]]]', 3),  # an escaped backslash does
        (b"[[], [], []]", 2),
    ],
)
def test_depth_ignores_strings_and_counts_nesting(text: bytes, depth_of_text: int):
    assert not jsonio.nesting_exceeds(text, depth_of_text)
    assert depth_of_text == 0 or jsonio.nesting_exceeds(text, depth_of_text - 1)


def test_unbalanced_deep_input_is_still_a_clean_error():
    with pytest.raises(JsonTooDeep):
        jsonio.loads(b'{"a":' * 50_000)


@pytest.mark.parametrize(
    "text",
    [b"{", b"[1, 2", b"{'single': 'quotes'}", b'"unterminated', b'"\\"\\"\\"' * 10_000],
)
def test_not_json_is_invalid_json(text: bytes):
    with pytest.raises(InvalidJson):
        jsonio.loads(text)


def test_byte_order_mark_and_text_are_accepted():
    assert jsonio.loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert jsonio.loads('{"name": "Zoë"}') == {"name": "Zoë"}


def test_error_messages_do_not_echo_the_input():
    with pytest.raises(InvalidJson) as caught:
        jsonio.loads(b'{"patient": "Jane Doe" ')
    assert "Jane" not in str(caught.value)


# The parser is orjson; what it refuses the standard library reads again (its reading or its
# words), so these are read as before.


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'\xef\xbb\xbf{"a": 1}', {"a": 1}),  # UTF-8 byte-order mark
        ('{"a": [1]}'.encode("utf-16"), {"a": [1]}),  # UTF-16 with its mark (RFC 8259 §8.1)
        ('{"a": "é"}'.encode("utf-32-le"), {"a": "é"}),
        (b'["\\ud800"]', ["\ud800"]),  # an escaped lone surrogate
    ],
    ids=["bom", "utf-16", "utf-32", "lone-surrogate"],
)
def test_what_orjson_refuses_is_read_as_the_standard_library_reads_it(data: bytes, expected):
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(data)  # the case is one for the fallback
    assert same_reading(jsonio.loads(data), expected)
    assert same_reading(jsonio.loads(data), json.loads(data))


@pytest.mark.parametrize(
    "number", ["1e999", "-1e400", "1.8e308", "1" + "0" * 400, "-1" + "0" * 320]
)
def test_a_number_beyond_a_double_is_refused_without_echoing_it(number: str):
    with pytest.raises(InvalidJson) as info:
        jsonio.loads(f'{{"valueQuantity": {{"value": {number}}}}}', what="x")
    assert str(info.value) == "x holds a number beyond the range of a double (RFC 8259 §6)"
    assert info.value.__cause__ is None


def test_the_largest_numbers_within_a_double_are_read():
    largest = 1.7976931348623157e308
    text = f"[1.7976931348623157e308, {int(largest)}, 1e-999, -0.0]"
    assert jsonio.loads(text) == [largest, largest, 0.0, -0.0]


def test_an_integer_beyond_64_bits_is_read_as_the_nearest_double():
    # The one reading that differs from the standard library's (which keeps the exact int).
    # No FHIR integer is this large (integer is 32-bit, integer64 64-bit) and validation
    # refuses the double for one; a decimal written as such an integer keeps 17 digits.
    assert same_reading(
        jsonio.loads(b"[9223372036854775807, -9223372036854775808, 18446744073709551616]"),
        [9223372036854775807, -9223372036854775808, 18446744073709551616.0],
    )

"""Read JSON that may be hostile: nesting is measured before parsing, so depth is a clean error.

``json.loads`` recurses once per nesting level; a body of 100,000 ``[`` ends in a RecursionError
deep inside the parser (or worse, in whatever walks the result later). Here the depth is computed
first, without recursion and in linear time, and the text is parsed only when it is within the
limit. One function for every JSON the service reads from outside (request bodies, files).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any, Final

from service.errors import InvalidJson, JsonTooDeep

DEFAULT_MAX_DEPTH: Final = 64  # FHIR resources nest about 10 deep; Bundles add 3

# A JSON string, with the closing quote optional: an unterminated string then runs to the end of
# the text instead of making the engine retry at every later quote (which would be quadratic).
_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET: Final = re.compile(rb"[^\[\]{}]+")
_STEPS: Final = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 to open, -1 (signed) to close
_BOM: Final = b"\xef\xbb\xbf"


def nesting_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings ignored).

    For valid JSON this is exactly the parser's depth; for invalid JSON it is an upper bound of the
    depth the parser reaches before it fails.

    >>> nesting_depth(b'{"a": [1, {"b": "]]]"}]}')
    3
    """
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    return max(accumulate(memoryview(brackets.translate(_STEPS)).cast("b")), default=0)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_bounded(data: bytes | str, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse JSON text (UTF-8) whose arrays and objects nest at most ``max_depth`` levels.

    Args:
        data: The JSON text, as UTF-8 bytes or a string. A UTF-8 byte order mark is ignored.
        max_depth: The deepest nesting accepted (``[[]]`` is 2).

    Returns:
        The parsed value.

    Raises:
        JsonTooDeep: the text nests deeper than ``max_depth`` (nothing was parsed).
        InvalidJson: the text is not UTF-8, not JSON, or uses NaN or Infinity.
    """
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidJson("the JSON text is not valid Unicode") from exc
    data = data.removeprefix(_BOM)
    depth = nesting_depth(data)
    if depth > max_depth:
        raise JsonTooDeep(f"the JSON nests {depth} levels deep; at most {max_depth} are accepted")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJson(f"the JSON text is not UTF-8 (byte {exc.start})") from exc
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InvalidJson(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except ValueError as exc:
        raise InvalidJson(f"not valid JSON: {exc}") from exc

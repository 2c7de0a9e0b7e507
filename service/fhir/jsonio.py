"""Bounded JSON reading: one function for files, standard input, FHIR servers' answers and the
bodies of requests to the web service.

Every input is bounded in size (counted while it is read, so a stream never ends up whole in
memory when it is too large) and in nesting depth; each failure is one ``InvalidJson`` error with
a one-line message, never a bare ``RecursionError`` or ``JSONDecodeError``. JSON's own grammar
is kept strictly: ``NaN`` and ``Infinity`` are refused (RFC 8259 §6; FHIR JSON has no such
values).

Parsing is orjson's (strict RFC 8259 and UTF-8; about a quarter faster than the standard
library's C parser on a Synthea record: see ``benchmarks/README.md``). Whatever orjson refuses
is parsed again by the standard library, which then either reads it as before (UTF-16/32
text, a byte-order mark, an escaped lone surrogate) or names the fault in its own words.
A number beyond the range of a double, integer or not (``1e999``, a 400-digit integer), is
refused (RFC 8259 §6 lets a reader set that limit; FHIR has no such value), by orjson or by
the standard library's hooks. Two differences from the standard library's own reading remain:
an integer beyond 64 bits but within a double's range is read by orjson as the nearest double
(validation refuses it for a FHIR integer; a FHIR decimal written so keeps 17 significant
digits, as any decimal with a fraction already did), and a document holding both an
out-of-range number and a later syntax error is refused for the number.

The depth is measured on the bytes, in C-speed passes: escapes out, then everything but quotes
and brackets, then the strings' contents, then one innermost layer of brackets per pass (see
:func:`nesting_exceeds`). A document nested past the interpreter's recursion limit makes the
standard library's parser give up, which is reported the same way.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from service.errors import InvalidJson, JsonTooDeep, JsonTooLarge

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 64 * MIB  # a large Synthea record is 5-20 MB
DEFAULT_MAX_DEPTH = 100  # FHIR resources nest to about 15; Bundles of Bundles to about 25
READ_CHUNK = 64 * 1024

_STRUCTURE = b'"[]{}'
_NOT_STRUCTURE = bytes(i for i in range(256) if i not in _STRUCTURE)
_FOLD_BRACKETS = bytes.maketrans(b"[]", b"{}")
_STRING_CONTENTS = re.compile(rb'"[^"]*"')
_LARGEST_DOUBLE = sys.float_info.max
_MANY_ESCAPES = 4096  # past this, two replaces are faster than visiting each escape


def describe_size(limit: int) -> str:
    """A byte count for a message: ``64 MiB``, ``512 KiB`` or ``100 bytes``."""
    if limit >= MIB and limit % MIB == 0:
        return f"{limit // MIB} MiB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


def too_large(what: str, limit: int) -> JsonTooLarge:
    """The error for an input larger than ``limit`` bytes."""
    return JsonTooLarge(f"{what} is larger than the {describe_size(limit)} allowed", limit)


def loads(
    data: bytes | bytearray | memoryview | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    what: str = "the input",
) -> Any:
    """Parse JSON held in memory, within the limits.

    Args:
        data: UTF-8 (or UTF-16/32, as RFC 8259 §8.1 allows on reading) bytes, or text.
        max_bytes: Largest input accepted, in bytes (of the UTF-8 form for text).
        max_depth: Deepest nesting of arrays and objects accepted (``[]`` is 1, ``[[]]`` 2).
        what: How messages name the input ("bundle.json", "the server's answer").

    Raises:
        JsonTooLarge: more than ``max_bytes``.
        JsonTooDeep: nested deeper than ``max_depth``.
        InvalidJson: not text, not JSON, or a non-standard constant (NaN, Infinity).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise too_large(what, max_bytes)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = _standard_loads(raw, what, max_depth)
    if isinstance(value, dict | list) and nesting_exceeds(raw, max_depth):
        raise _too_deep(what, max_depth)
    return value


def _standard_loads(raw: bytes, what: str, max_depth: int) -> Any:
    """What orjson refused, read by the standard library: its reading, or its one-line error."""
    try:
        return json.loads(
            raw,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_finite_int,
        )
    except RecursionError:
        raise _too_deep(what, max_depth) from None
    except json.JSONDecodeError as exc:
        raise InvalidJson(
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except _NonStandardConstant as exc:
        raise InvalidJson(f"{what} holds {exc}, which JSON does not allow") from None
    except _BeyondDouble:
        raise InvalidJson(
            f"{what} holds a number beyond the range of a double (RFC 8259 §6)"
        ) from None
    except UnicodeDecodeError:
        raise InvalidJson(f"{what} is not UTF-8 text") from None
    except ValueError as exc:  # e.g. an integer longer than Python converts (sys.int_info)
        raise InvalidJson(f"{what} is not valid JSON ({_first_words(exc)})") from None


def read_limited(
    source: BinaryIO | Iterable[bytes], *, max_bytes: int, what: str = "the input"
) -> bytes:
    """Every byte of a binary stream (or an iterable of chunks), refusing more than ``max_bytes``.

    Reads in chunks and stops as soon as the limit is passed, so at most ``max_bytes`` plus one
    chunk are ever held.

    Raises:
        JsonTooLarge: the source holds more than ``max_bytes``.
        InvalidJson: the source cannot be read (an ``OSError``).
    """
    chunks = _chunks(source)
    body = bytearray()
    try:
        for chunk in chunks:
            body += chunk
            if len(body) > max_bytes:
                raise too_large(what, max_bytes)
    except OSError as exc:
        raise InvalidJson(f"{what} cannot be read ({exc.strerror or type(exc).__name__})") from None
    return bytes(body)


def load(
    source: BinaryIO | Iterable[bytes],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    what: str = "the input",
) -> Any:
    """Read and parse JSON from a binary stream (a file, standard input, a request body).

    Raises:
        JsonTooLarge, JsonTooDeep, InvalidJson: as :func:`loads` and :func:`read_limited`.
    """
    data = read_limited(source, max_bytes=max_bytes, what=what)
    return loads(data, max_bytes=max_bytes, max_depth=max_depth, what=what)


def load_path(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """Read and parse a JSON file; messages name it by its path.

    Raises:
        JsonTooLarge, JsonTooDeep, InvalidJson: as :func:`load`; a file that cannot be opened
            is an ``InvalidJson`` naming the reason (no such file, permission denied).
    """
    try:
        with open(path, "rb") as stream:
            return load(stream, max_bytes=max_bytes, max_depth=max_depth, what=str(path))
    except OSError as exc:
        raise InvalidJson(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None


def nesting_exceeds(data: bytes, max_depth: int) -> bool:
    """Whether valid JSON ``data`` nests arrays and objects deeper than ``max_depth``.

    Works on the bytes, each step a C-level pass: keep only quotes and brackets (with ``[]``
    folded into ``{}``: in valid JSON they pair the same way), leaving out every escape
    sequence (so ``\\"`` is no quote); drop the strings with what is left of their contents
    (brackets in strings do not nest); then remove one layer of empty ``{}`` pairs per pass.
    Each pass lowers the deepest nesting by exactly one (a replace does not rescan what it
    produced), so the brackets are gone after ``depth`` passes.
    """
    skeleton = _structure(data).replace(b'""', b"")
    if b'"' in skeleton:
        skeleton = _STRING_CONTENTS.sub(b"", skeleton)
    if len(skeleton) <= 2 * max_depth:
        return False  # n bracket pairs cannot nest deeper than n
    for _ in range(max_depth):
        skeleton = skeleton.replace(b"{}", b"")
        if not skeleton:
            return False
    return True


def _structure(data: bytes) -> bytes:
    """The quotes and brackets of ``data``, escape sequences left out.

    In valid JSON every backslash starts an escape of one character (``\\uXXXX`` leaves hex
    digits, which are not structure), so each backslash goes with the character after it. Few
    escapes (the usual case): the text between them is kept piece by piece; many: two C-level
    replaces, escaped backslashes first so that every backslash-quote left is an escaped quote.
    """
    at = data.find(b"\\")
    if at < 0:
        return data.translate(_FOLD_BRACKETS, _NOT_STRUCTURE)
    pieces = []
    start = 0
    while at >= 0:
        if len(pieces) > _MANY_ESCAPES:
            plain = data.replace(b"\\\\", b"").replace(b'\\"', b"")
            return plain.translate(_FOLD_BRACKETS, _NOT_STRUCTURE)
        pieces.append(data[start:at].translate(_FOLD_BRACKETS, _NOT_STRUCTURE))
        start = at + 2
        at = data.find(b"\\", start)
    pieces.append(data[start:].translate(_FOLD_BRACKETS, _NOT_STRUCTURE))
    return b"".join(pieces)


class _NonStandardConstant(ValueError):
    pass


class _BeyondDouble(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NonStandardConstant(name)


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or exponent, refused beyond a double's range (``1e999``)."""
    value = float(text)
    if math.isinf(value):
        raise _BeyondDouble
    return value


def _finite_int(text: str) -> int:
    """A JSON integer, exact, refused beyond a double's range (what orjson refuses too).

    Longer than ``sys.int_info`` allows (4,300 digits), ``int`` itself refuses it first."""
    value = int(text)
    if abs(value) > _LARGEST_DOUBLE:
        raise _BeyondDouble
    return value


def _too_deep(what: str, limit: int) -> JsonTooDeep:
    return JsonTooDeep(
        f"{what} nests arrays and objects deeper than the {limit} levels allowed", limit
    )


def _first_words(exc: Exception) -> str:
    return str(exc).split(";")[0].split(":")[0][:80]


def _chunks(source: BinaryIO | Iterable[bytes]) -> Iterable[bytes]:
    if hasattr(source, "read"):
        read = source.read  # type: ignore[union-attr]
        return iter(lambda: read(READ_CHUNK), b"")
    return source  # type: ignore[return-value]

"""Bounds on everything, over real HTTP: huge answers and gzip bombs stay bounded in memory, a
trickling server ends by the deadline, a huge Retry-After is not waited for, and broken
answers (deep nesting, lying Content-Encoding, broken chunking, cut-short bodies) each end in
one error of the service's own.

Memory is measured with tracemalloc (the loopback server runs in this process too, but streams
from a fixed buffer). The deadline tests check that the client gave up long before the server
would have finished, with seconds of margin: behaviour, not speed.
"""

from __future__ import annotations

import gzip
import itertools
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest

from service.errors import (
    FhirInvalidResponse,
    FhirRetryLater,
    FhirTemporaryError,
    FhirTimeout,
)
from service.fhir.auth import BearerToken
from service.fhir.client import FhirClient
from service.fhir.limits import MIB, Limits
from tests.e2e.hostile import Exchange, Reply, outcome, searchset, serving

TOKEN = "token-for-the-limits-tests"
PATIENT = b'{"resourceType": "Patient", "id": "p1"}'
BIG = 200 * MIB
SMALL_LIMIT = 2 * MIB
MEMORY_BOUND = 12 * MIB  # a few times the limit, far below the 200 MB sent


def client_of(base_url: str, sleeps: list[float] | None = None, **limits: float) -> FhirClient:
    sleep = sleeps.append if sleeps is not None else time.sleep
    return FhirClient(base_url, BearerToken(TOKEN), limits=Limits(**limits), sleep=sleep)


def endless_json() -> Iterator[bytes]:
    """A JSON array that goes on for 200 MB: 64 KiB chunks of the same bytes."""
    chunk = b'{"resourceType": "Basic", "id": "x"},' * 1800
    yield b'{"resourceType": "Bundle", "type": "searchset", "entry": ['
    for _ in range(BIG // len(chunk)):
        yield chunk


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """200 MB of JSON-looking bytes that gzip to about 200 KB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(b"[" + b" " * (MIB - 1))]
    parts += [compressor.compress(b" " * MIB) for _ in range(BIG // MIB - 1)]
    parts.append(compressor.flush())
    bomb = b"".join(parts)
    assert len(bomb) < 300_000
    return bomb


def peak_memory_of(call) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    error: BaseException | None = None
    try:
        call()
    except Exception as exc:
        error = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return error, peak


@pytest.mark.parametrize("framing", ["chunked", "close-delimited", "content-length"])
def test_a_200_mb_answer_stops_at_the_limit_with_bounded_memory(framing: str) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if framing == "content-length":
            reply.head(200, {"Content-Length": str(BIG)})
            reply.stream(endless_json())
        elif framing == "chunked":
            reply.head(200, {"Transfer-Encoding": "chunked"})
            reply.stream(b"%x\r\n%s\r\n" % (len(c), c) for c in endless_json())
        else:
            reply.head(200)
            reply.stream(endless_json())

    with serving(respond) as server:
        client = client_of(server.base_url, max_response_bytes=SMALL_LIMIT, retries=0)
        error, peak = peak_memory_of(lambda: client.search("Basic", {}))
        sent = server.replies[0].sent
    assert isinstance(error, FhirInvalidResponse)
    assert str(error) == "GET Basic: the answer is larger than the 2 MiB allowed"
    assert peak < MEMORY_BOUND, f"peak {peak / MIB:.1f} MiB"
    if framing != "content-length":  # a declared length past the limit is refused unread
        assert sent < BIG / 4  # the client stopped reading: the server could not send it all


def test_a_gzip_bomb_stops_at_the_limit_with_bounded_memory(gzip_bomb: bytes) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.send(200, gzip_bomb, {"Content-Encoding": "gzip"})

    with serving(respond) as server:
        client = client_of(server.base_url, max_response_bytes=SMALL_LIMIT, retries=0)
        error, peak = peak_memory_of(lambda: client.read("Patient", "p1"))
    assert isinstance(error, FhirInvalidResponse)
    assert (
        str(error) == "GET Patient: the answer is larger once decompressed than the 2 MiB allowed"
    )
    assert peak < MEMORY_BOUND, f"peak {peak / MIB:.1f} MiB"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_answers_within_the_limit_are_read(encoding: str) -> None:
    if encoding == "gzip":
        body = gzip.compress(PATIENT)
    elif encoding == "deflate":
        body = zlib.compress(PATIENT)
    else:
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        body = compressor.compress(PATIENT) + compressor.flush()

    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.send(200, body, {"Content-Encoding": encoding.replace("raw-", "")})

    with serving(respond) as server:
        assert client_of(server.base_url).read("Patient", "p1")["id"] == "p1"
        assert server.exchanges[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("phase", ["body", "status-line"])
def test_a_trickling_server_ends_by_the_deadline(phase: str) -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(PATIENT), PATIENT)
    trickled = answer * 50  # ~70 s of bytes at 50 a second... and then more

    def respond(exchange: Exchange, reply: Reply) -> None:
        if phase == "body":
            reply.head(200, {"Content-Length": str(len(trickled))})
            reply.trickle(trickled, 0.02)
        else:
            reply.trickle(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: y\r\n" * 1000, 0.02)

    with serving(respond) as server:
        client = client_of(server.base_url, request_deadline=1.0, retries=0)
        started = time.monotonic()
        with pytest.raises(FhirTimeout) as info:
            client.read("Patient", "p1")
        elapsed = time.monotonic() - started
    assert str(info.value) == "GET Patient: no complete answer by the deadline"
    assert elapsed < 1.0 + 3.0  # the server would have gone on for over a minute


def test_a_gathering_ends_by_its_deadline_however_many_retries_are_left() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.send(404)
            return
        reply.head(200, {"Content-Length": "100000"})
        reply.trickle(b" " * 100_000, 0.05)

    with serving(respond) as server:
        client = client_of(
            server.base_url, request_deadline=0.8, gather_deadline=2.0, retries=10, backoff=0.01
        )
        started = time.monotonic()
        with pytest.raises(FhirTimeout):
            client.gather("p1")
        elapsed = time.monotonic() - started
    assert elapsed < 2.0 + 3.0
    # Each of the five searches was tried about twice (2.0 / 0.8), not eleven times.
    assert len(server.exchanges) - 1 <= 5 * 3


def test_a_huge_retry_after_is_not_waited_for() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.json(429, outcome("slow down"), {"Retry-After": "100000"})

    sleeps: list[float] = []
    with serving(respond) as server:
        with pytest.raises(FhirRetryLater) as info:
            client_of(server.base_url, sleeps).read("Patient", "p1")
    assert str(info.value) == (
        "GET Patient: HTTP 429: the server asks to wait 100000 s, longer than this client waits "
        "(10 s left)"
    )
    assert info.value.retry_after == 100000 and info.value.status == 429
    assert sleeps == [] and len(server.exchanges) == 1


def test_retry_after_within_the_budget_is_honoured_and_counted() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if len(server.exchanges) <= 3:
            reply.json(503, outcome("busy"), {"Retry-After": "4"})
        else:
            reply.send(200, PATIENT)

    sleeps: list[float] = []
    with serving(respond) as server:
        with pytest.raises(FhirRetryLater, match=r"asks to wait 4 s, .* \(2 s left\)"):
            client_of(server.base_url, sleeps).read("Patient", "p1")
    assert sleeps == [4.0, 4.0]  # 8 of the 10 s budget: a third wait does not fit


def test_a_deeply_nested_answer_is_refused() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.send(200, b'{"resourceType": "Patient", "id": "p1", "x": ' + b"[" * 100_000)

    with serving(respond) as server:
        with pytest.raises(FhirInvalidResponse) as info:
            client_of(server.base_url).read("Patient", "p1")
    assert str(info.value) == (
        "the answer to GET Patient nests arrays and objects deeper than the 100 levels allowed"
    )


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        (
            {"Content-Encoding": "gzip"},
            PATIENT,
            "GET Patient: the answer says it is gzip-encoded but does not decompress as such",
        ),
        (
            {"Content-Encoding": "gzip"},
            gzip.compress(PATIENT)[:-12],
            "GET Patient: the answer says it is gzip-encoded but does not decompress as such",
        ),
        (
            {"Content-Encoding": "br"},
            PATIENT,
            "GET Patient: the answer is encoded as 'br', which was not asked for (gzip, deflate)",
        ),
    ],
    ids=["not-gzip", "truncated-gzip", "not-asked-for"],
)
def test_a_lying_content_encoding_is_an_invalid_answer(headers, body, message) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.send(200, body, headers)

    with serving(respond) as server:
        with pytest.raises(FhirInvalidResponse) as info:
            client_of(server.base_url).read("Patient", "p1")
    assert str(info.value) == message
    assert len(server.exchanges) == 1  # not retried: it would say the same again


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", "invalid chunked encoding"),
        (b'Transfer-Encoding: chunked\r\n\r\n10\r\n{"resourceType"', "fewer bytes than announced"),
        (b"Content-Length: 1000\r\n\r\n" + PATIENT, "fewer bytes than announced"),
    ],
    ids=["bad-chunk-size", "cut-in-a-chunk", "short-body"],
)
def test_a_broken_body_is_retried_then_one_temporary_error(raw: bytes, kind: str) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\n" + raw)

    sleeps: list[float] = []
    with serving(respond) as server:
        with pytest.raises(FhirTemporaryError) as info:
            client_of(server.base_url, sleeps, retries=2).read("Patient", "p1")
    assert str(info.value) == f"GET Patient: the answer broke off ({kind}) after 3 attempts"
    assert len(server.exchanges) == 3 and sleeps == [0.5, 1.0]


def test_an_answer_that_never_ends_in_the_middle_of_a_page() -> None:
    # A searchset whose entries keep coming: the size limit ends it, not the client's patience.
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.head(200)
        entries = (b'{"resource": {"resourceType": "Condition"}},' for _ in itertools.count())
        reply.stream(itertools.chain([b'{"resourceType": "Bundle", "entry": ['], entries))

    with serving(respond) as server:
        client = client_of(server.base_url, max_response_bytes=256 * 1024, retries=0)
        with pytest.raises(FhirInvalidResponse, match="larger than the 256 KiB allowed"):
            client.search("Condition", {"patient": "p1"})


def test_a_page_limit_is_not_a_memory_limit() -> None:
    # 25 pages of next links to the same base are followed, then the search stops and says so.
    def respond(exchange: Exchange, reply: Reply) -> None:
        n = len(server.exchanges)
        link = [{"relation": "next", "url": f"{server.base_url}/Condition?page={n}"}]
        reply.json(200, searchset([], link))

    with serving(respond) as server:
        found, issues = client_of(server.base_url).search("Condition", {"patient": "p1"})
    assert found == [] and len(server.exchanges) == 25
    assert [i.message for i in issues] == [
        "Condition search stopped after 25 pages: some data may be missing"
    ]

"""Loops that end (issue #17, item 2): a next link already followed in one iteration is not
followed again, in plain paging and in the waiters' sweeps (the search for a lost create:
``test_reconciliation``).

On the fake service and clock: what each loop cost in requests and fake seconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fakes import FakeJobs, FakeNetwork, FakeServer, Seen, answer

from speechrest import Response, ResponseParseError, SpeechClient

LIST_PATH = "/speechtotext/v3.1/transcriptions"
SIGNED = "sig=s3cr3t"


def transcription(n: int) -> dict[str, Any]:
    self_link = f"https://speech.test{LIST_PATH}/00000000-0000-0000-0000-{n:012d}"
    return {"self": self_link, "displayName": f"t{n}", "locale": "en-US"}


def link(n: int) -> str:
    """A next link carrying a SAS-like signature, which must not reach a message."""
    return f"https://speech.test{LIST_PATH}?skip={n}&{SIGNED}"


def pages_linking(next_of: dict[int | None, int]) -> Any:
    """A list handler: the first page (no skip) and page ``skip=n`` link to page ``next_of[...]``."""

    def handle(seen: Seen) -> Response:
        skip = seen.query.get("skip")
        here = None if skip is None else int(skip)
        return answer(200, {"values": [transcription(here or 0)], "@nextLink": link(next_of[here])})

    return handle


@pytest.fixture
async def client(net: FakeNetwork, service: FakeServer) -> AsyncIterator[SpeechClient]:
    async with net.client(service, api_version="v3.1", rate_limit=None) as c:
        yield c


async def test_a_gateway_answering_every_page_with_the_same_link_costs_two_requests(
    net: FakeNetwork, service: FakeServer, client: SpeechClient
) -> None:
    service.handler = pages_linking({None: 2, 2: 2})
    with pytest.raises(ResponseParseError) as caught:
        await client.transcriptions.list().to_list()
    assert [r.query.get("skip") for r in service.requests] == [None, "2"]
    assert "skip=2&sig=REDACTED" in str(caught.value) and SIGNED not in str(caught.value)
    assert net.clock.monotonic() == 0.0


async def test_a_cycle_of_links_ends_when_it_comes_round(service: FakeServer, client: SpeechClient) -> None:
    service.handler = pages_linking({None: 2, 2: 4, 4: 6, 6: 2})
    seen = []
    with pytest.raises(ResponseParseError, match="skip=2"):
        async for item in client.transcriptions.list():
            seen.append(item.self_)
    assert [r.query.get("skip") for r in service.requests] == [None, "2", "4", "6"]
    assert len(seen) == 4  # every page before the loop was still yielded


async def test_a_continuation_token_counts_as_followed(service: FakeServer, client: SpeechClient) -> None:
    service.handler = pages_linking({4: 4})
    with pytest.raises(ResponseParseError):
        async for _ in client.transcriptions.list().pages(link(4)):
            pass
    assert len(service.requests) == 1


async def test_each_iteration_has_its_own_memory_of_links(service: FakeServer, client: SpeechClient) -> None:
    service.handler = pages_linking({None: 2, 2: 4, 4: 6})
    pager = client.transcriptions.list(max_items=3)
    assert len(await pager.to_list()) == 3
    assert len(await pager.to_list()) == 3  # the same links again, in a new iteration
    assert [r.query.get("skip") for r in service.requests] == [None, "2", "4"] * 2


async def test_a_waiters_sweep_does_not_loop(net: FakeNetwork, service: FakeServer, client: SpeechClient) -> None:
    jobs = FakeJobs(service)
    ids = [jobs.add(f"0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d{n:02d}", done_at=60) for n in range(12)]  # enough to sweep
    serve_jobs = service.handler

    def handle(seen: Seen) -> Response:
        reply = serve_jobs(seen)
        assert isinstance(reply, Response)
        if seen.path != "/speechtotext/transcriptions":
            return reply
        return answer(200, {**reply.json(), "@nextLink": f"https://speech.test{seen.path}?skip=100"})

    service.handler = handle
    async with net.client(service, rate_limit=None) as latest:
        with pytest.raises(ResponseParseError, match="skip=100"):
            await latest.transcriptions.wait_all(ids, poll_interval=1)
    assert [r.query.get("skip") for r in service.requests] == [None, "100"]
    assert net.clock.monotonic() == 0.0

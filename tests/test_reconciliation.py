"""Exactly-once creates that always hand back their token (issue #17, items 2 and 3).

When a create's outcome is unknown and the search for it cannot finish (the listing fails,
loops, runs out of pages or of the call's deadline), or rests on a Date header too far from
our clock, the create raises ``AmbiguousCreateError`` with the token, never the listing's
error; a success answer that cannot be read is looked for by its token too. On the fake
service and clock: the requests each case costs and the fake time it takes.
"""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from conftest import TOKEN_KEY
from fakes import FakeNetwork, FakeServer, Seen, answer

from speechrest import (
    AmbiguousCreateError,
    APITimeoutError,
    Response,
    ResponseParseError,
    RetryPolicy,
    ServerError,
    SpeechClient,
    SpeechError,
    TransportError,
)
from speechrest._core.exactly_once import CLOCK_SLACK, MAX_SEARCH_PAGES
from speechrest._wire import format_datetime

PATH = "/speechtotext/v3.1/projects"
PROJECT = {"displayName": "p", "locale": "en-US"}
GATEWAY_PAGE = b"<html><body>502 Bad Gateway, served with a 201</body></html>"


class Projects:
    """A fake service that keeps the projects it creates; ``on_create`` and ``on_list`` may
    replace its answers (after it acted on the create)."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.created: list[dict[str, Any]] = []
        self.on_create: Callable[[dict[str, Any]], Any] = lambda entity: answer(201, entity)
        self.on_list: Callable[[Seen], Any] = self.listing
        server.handler = self._answer

    def _answer(self, seen: Seen) -> Any:
        if seen.method == "POST":
            number = len(self.created)
            entity = {
                **seen.json(),
                "self": f"https://speech.test{PATH}/00000000-0000-0000-0000-{number:012d}",
                "createdDateTime": format_datetime(self.server.clock.now()),
            }
            self.created.append(entity)
            return self.on_create(entity)
        return self.on_list(seen)

    def listing(self, seen: Seen) -> Response:
        """The projects created since the filter's time (all of them without one)."""
        since = seen.query.get("filter", "").removeprefix("createdDateTime ge ")
        return answer(200, {"values": [e for e in self.created if not since or e["createdDateTime"] >= since]})

    @property
    def posts(self) -> list[Seen]:
        return [r for r in self.server.requests if r.method == "POST"]

    @property
    def token(self) -> str:
        return str(self.posts[0].json()["customProperties"][TOKEN_KEY])


def cut(entity: dict[str, Any]) -> Response:
    """The service acted, then the connection dropped before its answer came back."""
    raise TransportError("connection reset while reading the answer", sent=True)


def date_header(net: FakeNetwork, offset: timedelta) -> dict[str, str]:
    return {"Date": email.utils.format_datetime(net.clock.now() + offset, usegmt=True)}


@pytest.fixture
def projects(service: FakeServer) -> Projects:
    return Projects(service)


@pytest.fixture
async def client(net: FakeNetwork, service: FakeServer) -> AsyncIterator[SpeechClient]:
    policy = RetryPolicy(max_retries=2, backoff=1, max_backoff=1, deadline=120)
    async with net.client(service, api_version="v3.1", rate_limit=None, retry=policy) as c:
        yield c


# ----------------------------------------------------------------------------- the search cannot finish


async def test_a_lost_create_whose_listing_fails_raises_with_its_token(
    net: FakeNetwork, projects: Projects, client: SpeechClient
) -> None:
    projects.on_create = cut
    projects.on_list = lambda seen: answer(500, {"code": "InternalServerError", "message": "list broke"})
    with pytest.raises(AmbiguousCreateError) as caught:
        await client.projects.create(dict(PROJECT))
    assert caught.value.token == projects.token
    assert isinstance(caught.value.__cause__, ServerError) and "list broke" in str(caught.value.__cause__)
    assert caught.value.__cause__.attempts == 3  # the listing's own tries, within the policy
    # the entity exists: it was never sent again
    assert [r.method for r in projects.server.requests] == ["POST", "GET", "GET", "GET"]
    assert len(projects.created) == 1
    assert net.clock.monotonic() <= 2.0  # two backoffs of at most 1 s


async def test_a_looping_listing_raises_with_the_token(projects: Projects, client: SpeechClient) -> None:
    projects.on_create = lambda entity: answer(500)
    link = f"https://speech.test{PATH}?skip=100"
    projects.on_list = lambda seen: answer(200, {"values": [], "@nextLink": link})
    with pytest.raises(AmbiguousCreateError) as caught:
        await client.projects.create(dict(PROJECT))
    assert isinstance(caught.value.__cause__, ResponseParseError) and "skip=100" in str(caught.value.__cause__)
    assert [r.method for r in projects.server.requests] == ["POST", "GET", "GET"]
    assert caught.value.token == projects.token


async def test_a_listing_past_its_page_budget_raises_with_the_token(projects: Projects, client: SpeechClient) -> None:
    projects.on_create = cut

    def endless(seen: Seen) -> Response:  # a new link every time, and never the entity
        skip = int(seen.query.get("skip", "0")) + 1
        return answer(200, {"values": [], "@nextLink": f"https://speech.test{PATH}?skip={skip}"})

    projects.on_list = endless
    with pytest.raises(AmbiguousCreateError) as caught:
        await client.projects.create(dict(PROJECT))
    assert caught.value.token == projects.token
    assert isinstance(caught.value.__cause__, SpeechError)
    assert f"{MAX_SEARCH_PAGES} pages" in str(caught.value.__cause__)
    assert [r.method for r in projects.server.requests] == ["POST"] + ["GET"] * MAX_SEARCH_PAGES


async def test_the_search_ends_with_the_calls_deadline(net: FakeNetwork, projects: Projects) -> None:
    async def slow_pages(seen: Seen) -> Response:
        await net.clock.sleep(25)
        skip = int(seen.query.get("skip", "0")) + 1
        return answer(200, {"values": [], "@nextLink": f"https://speech.test{PATH}?skip={skip}"})

    projects.on_create = cut
    projects.on_list = slow_pages
    async with net.client(projects.server, api_version="v3.1", rate_limit=None, retry=RetryPolicy(deadline=60)) as c:
        with pytest.raises(AmbiguousCreateError) as caught:
            await c.projects.create(dict(PROJECT))
    assert isinstance(caught.value.__cause__, APITimeoutError) and "60 s deadline" in str(caught.value.__cause__)
    assert [(r.method, r.at) for r in projects.server.requests] == [("POST", 0), ("GET", 0), ("GET", 25), ("GET", 50)]
    assert net.clock.monotonic() == 75


async def test_the_listings_retries_share_the_creates_deadline(net: FakeNetwork, projects: Projects) -> None:
    async def slow_cut(entity: dict[str, Any]) -> Response:
        await net.clock.sleep(30)
        return cut(entity)

    projects.on_create = slow_cut
    projects.on_list = lambda seen: answer(503, None, {"Retry-After": "20"})
    async with net.client(projects.server, api_version="v3.1", rate_limit=None, retry=RetryPolicy(deadline=60)) as c:
        with pytest.raises(AmbiguousCreateError) as caught:
            await c.projects.create(dict(PROJECT))
    assert isinstance(caught.value.__cause__, ServerError)
    # a listing of its own would have gone on to 30 + 60 s; within the create's 60 s it stops at 50
    assert [(r.method, r.at) for r in projects.server.requests] == [("POST", 0), ("GET", 30), ("GET", 50)]
    assert net.clock.monotonic() == 50


async def test_a_create_not_found_is_not_resent_past_the_deadline(net: FakeNetwork, projects: Projects) -> None:
    projects.on_create = lambda entity: answer(503, None, {"Retry-After": "50"})
    projects.on_list = lambda seen: answer(200, {"values": []})
    async with net.client(projects.server, api_version="v3.1", rate_limit=None, retry=RetryPolicy(deadline=60)) as c:
        with pytest.raises(ServerError) as caught:  # looked for, surely not there: the create's own error
            await c.projects.create(dict(PROJECT))
    assert [(r.method, r.at) for r in projects.server.requests] == [("POST", 0), ("GET", 0), ("POST", 50), ("GET", 50)]
    assert caught.value.attempts == 2


# ----------------------------------------------------------------------------- an answer that cannot be read


async def test_a_201_with_an_html_page_is_found_by_its_token(projects: Projects, client: SpeechClient) -> None:
    projects.on_create = lambda entity: answer(201, GATEWAY_PAGE, {"Content-Type": "text/html"})
    project = await client.projects.create(dict(PROJECT))
    assert project.custom_properties == {TOKEN_KEY: projects.token}
    assert [r.method for r in projects.server.requests] == ["POST", "GET"]  # no second create
    assert client.counters["reconciled_creates"] == 1


async def test_a_201_with_an_html_page_is_ambiguous_without_exactly_once(
    projects: Projects, client: SpeechClient
) -> None:
    projects.on_create = lambda entity: answer(201, GATEWAY_PAGE)
    with pytest.raises(AmbiguousCreateError) as caught:
        await client.projects.create(dict(PROJECT), exactly_once=False)
    assert isinstance(caught.value.__cause__, ResponseParseError)
    assert caught.value.token == projects.token
    assert [r.method for r in projects.server.requests] == ["POST"]


# ----------------------------------------------------------------------------- the window and the Date header


@pytest.mark.parametrize("offset", [timedelta(minutes=30), timedelta(minutes=-30)], ids=["ahead", "behind"])
async def test_a_far_off_date_hands_back_the_token_rather_than_resend(
    offset: timedelta, net: FakeNetwork, projects: Projects, client: SpeechClient
) -> None:
    """A proxy's clock 30 minutes off: what the search does not find may still exist."""
    began = net.clock.now()
    projects.on_create = lambda entity: answer(503, None, date_header(net, offset))
    projects.on_list = lambda seen: answer(200, {"values": []})
    with pytest.raises(AmbiguousCreateError, match="Date header") as caught:
        await client.projects.create(dict(PROJECT))
    assert caught.value.token == projects.token
    assert [r.method for r in projects.server.requests] == ["POST", "GET"]
    # the window starts before the create by whichever clock is earlier: never moved past it
    since = began + min(offset, timedelta(0)) - CLOCK_SLACK
    assert projects.server.last.query["filter"] == f"createdDateTime ge {format_datetime(since)}"


async def test_a_date_ahead_does_not_move_the_window_past_the_lost_entity(
    net: FakeNetwork, projects: Projects, client: SpeechClient
) -> None:
    """The service's Date says 5 minutes later than ours (believed), but the entity carries our
    time: the window starts from our clock, the earlier, so it is found, not created twice."""
    projects.server.reply(200, {"values": []}, date_header(net, timedelta(minutes=5)))
    await client.projects.list().to_list()
    projects.on_create = cut
    project = await client.projects.create(dict(PROJECT))
    assert project.custom_properties == {TOKEN_KEY: projects.token}
    assert len(projects.posts) == 1
    since = net.clock.now() - CLOCK_SLACK
    assert projects.server.last.query["filter"] == f"createdDateTime ge {format_datetime(since)}"


async def test_a_date_slightly_off_still_lets_a_create_not_found_be_resent(
    net: FakeNetwork, projects: Projects, client: SpeechClient
) -> None:
    began = net.clock.now()
    projects.server.reply(503, None, date_header(net, timedelta(minutes=-5)))  # lost before it was acted on
    projects.server.reply(200, {"values": []})
    await client.projects.create(dict(PROJECT))
    assert [r.method for r in projects.server.requests] == ["POST", "GET", "POST"]
    since = began - timedelta(minutes=5) - CLOCK_SLACK
    assert projects.server.requests[1].query["filter"] == f"createdDateTime ge {format_datetime(since)}"

"""Paging over ``@nextLink``: what is fetched, when, and where.

Against a fake service (``fakes``); next links are also followed on a real local server, to
show that they reach it byte for byte through aiohttp.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import TEST_KEY, RecordingServer
from fakes import FakeNetwork, FakeServer

from speechrest import AsyncPager, InvalidArgumentError, NotFoundError, Page, SpeechClient, operations
from speechrest.errors import UnsafeURLError
from speechrest.models import v3_1 as models

BASE_PATH = "/speechtotext/v3.1"
LIST_PATH = f"{BASE_PATH}/transcriptions"

# Next links with parameters the SDK never sends itself: encoded spaces and quotes, an
# encoded "+", "&" and "=" inside values, a repeated name and an OData-style "$" name.
LINK2_QUERY = "skip=2&top=2&filter=status%20eq%20'Running'&opaque=x%2By&tag=a&tag=b"
LINK3_QUERY = "skip=4&top=2&%24skiptoken=abc%3D%3D&pair=a%26b%3Dc"


def transcription(n: int) -> dict[str, Any]:
    """The wire form of a small transcription numbered ``n``."""
    return {
        "self": f"https://westus.api.cognitive.microsoft.com{LIST_PATH}/00000000-0000-0000-0000-{n:012d}",
        "displayName": f"t{n}",
        "locale": "en-US",
        "status": "Succeeded",
    }


def page(numbers: range | list[int], next_link: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"values": [transcription(n) for n in numbers]}
    if next_link is not None:
        body["@nextLink"] = next_link
    return body


def links(service: FakeServer | RecordingServer) -> tuple[str, str]:
    """The absolute next links of pages two and three on ``service``."""
    return f"{service.url}{LIST_PATH}?{LINK2_QUERY}", f"{service.url}{LIST_PATH}?{LINK3_QUERY}"


def queue_three_pages(service: FakeServer | RecordingServer) -> tuple[str, str]:
    """Queue three pages of two transcriptions (t1..t6); returns the two next links."""
    link2, link3 = links(service)
    service.reply(200, page(range(1, 3), link2))
    service.reply(200, page(range(3, 5), link3))
    service.reply(200, page(range(5, 7)))
    return link2, link3


def names(items: list[models.Transcription]) -> list[str]:
    return [item.display_name for item in items]


@pytest.fixture
async def client(net: FakeNetwork, service: FakeServer) -> AsyncIterator[SpeechClient]:
    """Overrides conftest's client: one of the fake service, one try per call."""
    async with net.client(service, api_version="v3.1", max_retries=0, rate_limit=None) as c:
        yield c


@pytest.fixture(params=["fake", "real"])
async def endpoint(
    request: pytest.FixtureRequest, service: FakeServer, client: SpeechClient
) -> AsyncIterator[tuple[FakeServer | RecordingServer, SpeechClient]]:
    """The fake service and its client, or a real local server and a client of it."""
    if request.param == "fake":
        yield service, client
        return
    async with (
        RecordingServer() as server,
        SpeechClient(endpoint=server.url, key=TEST_KEY, api_version="v3.1", max_retries=0, rate_limit=None) as real,
    ):
        yield server, real


# ---------------------------------------------------------------- following links


async def test_three_pages_followed_in_order(endpoint: tuple[FakeServer | RecordingServer, SpeechClient]) -> None:
    """Every page is fetched once, in order, and each next link goes out exactly as given."""
    service, client = endpoint
    link2, link3 = queue_three_pages(service)

    items = [item async for item in operations.transcriptions_list(client, top=2, filter="status eq 'Running'")]

    assert names(items) == ["t1", "t2", "t3", "t4", "t5", "t6"]
    assert all(type(item) is models.Transcription for item in items)
    assert items[0].status == models.Status.SUCCEEDED
    assert [r.method for r in service.requests] == ["GET"] * 3
    assert [r.path for r in service.requests] == [LIST_PATH] * 3
    first, second, third = service.requests
    assert dict(first.query) == {"top": "2", "filter": "status eq 'Running'"}
    # The links' query strings arrive byte for byte, and decode to the values they carry.
    assert second.raw_path == link2.removeprefix(service.url)
    assert third.raw_path == link3.removeprefix(service.url)
    assert list(second.query.items()) == [
        ("skip", "2"),
        ("top", "2"),
        ("filter", "status eq 'Running'"),
        ("opaque", "x+y"),
        ("tag", "a"),
        ("tag", "b"),
    ]
    assert dict(third.query) == {"skip": "4", "top": "2", "$skiptoken": "abc==", "pair": "a&b=c"}
    assert all(r.headers["Ocp-Apim-Subscription-Key"] == TEST_KEY for r in service.requests)


async def test_empty_page_in_the_middle_is_skipped_over(service: FakeServer, client: SpeechClient) -> None:
    """A page with no items (or no ``values`` at all) still leads on to the next one."""
    link2, link3 = links(service)
    service.reply(200, {"@nextLink": link2})
    service.reply(200, page([], link3))
    service.reply(200, page([7]))

    items = await operations.transcriptions_list(client).to_list()

    assert names(items) == ["t7"]
    assert len(service.requests) == 3


async def test_list_files_pages_are_typed_files(service: FakeServer, client: SpeechClient) -> None:
    """Another list operation: its items come back as its own model."""
    uid = "0f8d2d9e-3b7c-4c51-9e3a-6a1f7c2b9d10"
    link = f"{service.url}{BASE_PATH}/transcriptions/{uid}/files?sasValidityInSeconds=60&skip=1&top=1"
    service.reply(200, {"values": [{"name": "a.json", "kind": "Transcription"}], "@nextLink": link})
    service.reply(200, {"values": [{"name": "b.json", "kind": "SomethingNew"}]})

    files = await operations.transcriptions_list_files(client, id=uid, sas_validity_in_seconds=60, top=1).to_list()

    assert [type(f) for f in files] == [models.File, models.File]
    assert [f.name for f in files] == ["a.json", "b.json"]
    assert files[0].kind == models.FileKind.TRANSCRIPTION
    assert files[1].kind == "SomethingNew"
    assert service.requests[0].path == f"{BASE_PATH}/transcriptions/{uid}/files"
    assert dict(service.requests[0].query) == {"sasValidityInSeconds": "60", "top": "1"}
    assert service.requests[1].raw_path == link.removeprefix(service.url)


# ---------------------------------------------------------------- laziness


async def test_nothing_is_requested_until_iteration(service: FakeServer, client: SpeechClient) -> None:
    """Making the pager sends nothing; the first ``async for`` step sends the first request."""
    queue_three_pages(service)

    pager = operations.transcriptions_list(client, top=2)

    assert isinstance(pager, AsyncPager)
    assert service.requests == []
    iterator = aiter(pager)
    assert service.requests == []
    first = await anext(iterator)
    assert first.display_name == "t1"
    assert len(service.requests) == 1
    await iterator.aclose()


async def test_pages_are_fetched_only_when_needed(service: FakeServer, client: SpeechClient) -> None:
    """Consuming the first page's items and stopping fetches only that page."""
    queue_three_pages(service)

    seen = []
    async for item in operations.transcriptions_list(client):
        seen.append(item.display_name)
        if len(seen) == 2:
            break

    assert seen == ["t1", "t2"]
    assert len(service.requests) == 1


async def test_each_iteration_starts_afresh(service: FakeServer, client: SpeechClient) -> None:
    """Iterating the same pager twice asks for the first page again."""
    service.reply(200, page([1, 2]))
    service.reply(200, page([3]))
    pager = operations.transcriptions_list(client, top=2)

    assert names(await pager.to_list()) == ["t1", "t2"]
    assert names(await pager.to_list()) == ["t3"]
    assert [dict(r.query) for r in service.requests] == [{"top": "2"}, {"top": "2"}]


# ---------------------------------------------------------------- max_items


@pytest.mark.parametrize(
    ("max_items", "expected", "requests"),
    [
        (0, [], 0),
        (1, ["t1"], 1),
        (2, ["t1", "t2"], 1),  # the first page is enough: the second is never asked for
        (3, ["t1", "t2", "t3"], 2),  # across a page boundary
        (5, ["t1", "t2", "t3", "t4", "t5"], 3),
        (100, ["t1", "t2", "t3", "t4", "t5", "t6"], 3),
        (None, ["t1", "t2", "t3", "t4", "t5", "t6"], 3),
    ],
)
async def test_max_items_caps_items_and_requests(
    service: FakeServer, client: SpeechClient, max_items: int | None, expected: list[str], requests: int
) -> None:
    """``max_items`` cuts the item stream and stops fetching pages once it is reached."""
    queue_three_pages(service)

    items = await operations.transcriptions_list(client, max_items=max_items).to_list()

    assert names(items) == expected
    assert len(service.requests) == requests


async def test_max_items_trims_the_last_page(service: FakeServer, client: SpeechClient) -> None:
    """With ``pages()``, the page that reaches ``max_items`` is cut short but keeps its link."""
    link2, _ = queue_three_pages(service)

    pages = [p async for p in operations.transcriptions_list(client, max_items=3).pages()]

    assert [names(p.items) for p in pages] == [["t1", "t2"], ["t3"]]
    assert pages[0].next_link == link2
    assert pages[1].next_link is not None
    assert len(service.requests) == 2


# ---------------------------------------------------------------- pages() and to_list()


async def test_pages_yield_page_objects(service: FakeServer, client: SpeechClient) -> None:
    """``pages()`` gives each page's items and the link to the next one (None on the last)."""
    link2, link3 = queue_three_pages(service)

    pages = [p async for p in operations.transcriptions_list(client).pages()]

    assert all(isinstance(p, Page) for p in pages)
    assert [names(p.items) for p in pages] == [["t1", "t2"], ["t3", "t4"], ["t5", "t6"]]
    assert [p.next_link for p in pages] == [link2, link3, None]


async def test_pages_resume_from_a_continuation_token(service: FakeServer, client: SpeechClient) -> None:
    """``pages(continuation_token=link)`` starts at that link, not at the first page."""
    link2, link3 = links(service)
    service.reply(200, page([3, 4], link3))
    service.reply(200, page([5, 6]))

    pager = operations.transcriptions_list(client, top=2)
    pages = [p async for p in pager.pages(continuation_token=link2)]

    assert [names(p.items) for p in pages] == [["t3", "t4"], ["t5", "t6"]]
    assert [r.raw_path for r in service.requests] == [link2.removeprefix(service.url), link3.removeprefix(service.url)]


async def test_to_list_collects_everything(service: FakeServer, client: SpeechClient) -> None:
    """``to_list()`` follows every link and returns a plain list."""
    queue_three_pages(service)

    items = await operations.transcriptions_list(client).to_list()

    assert isinstance(items, list)
    assert names(items) == ["t1", "t2", "t3", "t4", "t5", "t6"]


async def test_a_page_error_surfaces_after_earlier_items(service: FakeServer, client: SpeechClient) -> None:
    """An error answer on page two raises its status error once page one is consumed."""
    link2, _ = links(service)
    service.reply(200, page([1], link2))
    service.reply(404, {"code": "NotFound", "message": "gone"})

    seen = []
    with pytest.raises(NotFoundError):
        async for item in operations.transcriptions_list(client):
            seen.append(item.display_name)

    assert seen == ["t1"]
    assert len(service.requests) == 2


# ---------------------------------------------------------------- origins and credentials


async def test_foreign_next_link_is_refused(service: FakeServer, client: SpeechClient, storage: FakeServer) -> None:
    """A next link on another origin is not followed: UnsafeURLError, and nothing reaches it."""
    service.reply(200, page([1, 2], f"{storage.url}{LIST_PATH}?skip=2"))

    seen = []
    with pytest.raises(UnsafeURLError):
        async for item in operations.transcriptions_list(client):
            seen.append(item.display_name)

    assert seen == ["t1", "t2"]
    assert len(service.requests) == 1
    assert storage.requests == []


@pytest.mark.parametrize(
    "make_link",
    [
        pytest.param(lambda url: url.replace("https://", "http://") + LIST_PATH + "?skip=2", id="other-scheme"),
        pytest.param(lambda url: url.replace("speech.test", "speech2.test") + LIST_PATH + "?skip=2", id="other-host"),
        pytest.param(lambda url: url + ":8443" + LIST_PATH + "?skip=2", id="other-port"),
        pytest.param(lambda url: "//evil.example" + LIST_PATH + "?skip=2", id="scheme-relative"),
        pytest.param(lambda url: "https://evil.example" + LIST_PATH + "?skip=2", id="other-domain"),
    ],
)
async def test_other_origins_are_refused(service: FakeServer, client: SpeechClient, make_link: Any) -> None:
    """Scheme, host and port all count: any difference refuses the link before sending."""
    service.reply(200, page([1], make_link(service.url)))

    with pytest.raises(UnsafeURLError):
        await operations.transcriptions_list(client).to_list()

    assert len(service.requests) == 1


async def test_foreign_continuation_token_is_refused(
    service: FakeServer, client: SpeechClient, storage: FakeServer
) -> None:
    """A continuation token is checked like a next link."""
    pager = operations.transcriptions_list(client)

    with pytest.raises(UnsafeURLError):
        async for _ in pager.pages(continuation_token=f"{storage.url}{LIST_PATH}?skip=2"):
            pass

    assert service.requests == []
    assert storage.requests == []


@pytest.mark.parametrize(
    ("auth", "sent_header", "sent_value"),
    [
        ({"key": TEST_KEY}, "Ocp-Apim-Subscription-Key", TEST_KEY),
        ({"token": "tok-123"}, "Authorization", "Bearer tok-123"),
    ],
    ids=["key", "token"],
)
async def test_allowed_foreign_link_gets_no_credentials(
    net: FakeNetwork, service: FakeServer, storage: FakeServer, auth: dict[str, str], sent_header: str, sent_value: str
) -> None:
    """With ``allow_foreign_next_links=True`` the link is followed, but without the key or token."""
    foreign = f"{storage.url}/elsewhere/list?skip=2&sig=a%2Fb"
    service.reply(200, page([1], foreign))
    storage.reply(200, page([2]))

    async with net.client(service, allow_foreign_next_links=True, api_version="v3.1", **auth) as client:
        items = await operations.transcriptions_list(client).to_list()

    assert names(items) == ["t1", "t2"]
    assert service.last.headers[sent_header] == sent_value
    assert len(storage.requests) == 1
    assert storage.last.raw_path == "/elsewhere/list?skip=2&sig=a%2Fb"
    assert dict(storage.last.query) == {"skip": "2", "sig": "a/b"}
    assert "Ocp-Apim-Subscription-Key" not in storage.last.headers
    assert "Authorization" not in storage.last.headers


async def test_relative_next_link_with_absolute_path(service: FakeServer, client: SpeechClient) -> None:
    """A link that is only a path and query goes to the endpoint's origin, with the key."""
    service.reply(200, page([1], f"{LIST_PATH}?skip=1&x=%20"))
    service.reply(200, page([2]))

    items = await operations.transcriptions_list(client).to_list()

    assert names(items) == ["t1", "t2"]
    assert service.last.raw_path == f"{LIST_PATH}?skip=1&x=%20"
    assert dict(service.last.query) == {"skip": "1", "x": " "}
    assert service.last.headers["Ocp-Apim-Subscription-Key"] == TEST_KEY


async def test_relative_next_link_resolves_against_api_base(service: FakeServer, client: SpeechClient) -> None:
    """A path-relative link is taken relative to the API base ``/speechtotext/v3.1/``."""
    service.reply(200, page([1], "transcriptions?skip=1"))
    service.reply(200, page([2]))

    await operations.transcriptions_list(client).to_list()

    assert service.last.raw_path == f"{LIST_PATH}?skip=1"


# ---------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "kwargs",
    [{"top": "x"}, {"skip": 1.5}, {"top": True}, {"filter": 3}],
    ids=["top-str", "skip-float", "top-bool", "filter-int"],
)
async def test_bad_arguments_fail_at_call_time(
    service: FakeServer, client: SpeechClient, kwargs: dict[str, Any]
) -> None:
    """Wrong argument types raise InvalidArgumentError when the pager is made, not on iteration."""
    with pytest.raises(InvalidArgumentError, match="Transcriptions_List"):
        operations.transcriptions_list(client, **kwargs)

    assert service.requests == []


async def test_bad_path_argument_fails_at_call_time(service: FakeServer, client: SpeechClient) -> None:
    """A malformed UUID is refused before any request."""
    with pytest.raises(InvalidArgumentError, match="UUID"):
        operations.transcriptions_list_files(client, id="not-a-uuid")

    assert service.requests == []


async def test_negative_max_items_is_an_invalid_argument(service: FakeServer, client: SpeechClient) -> None:
    """A negative ``max_items`` is an input problem like any other."""
    with pytest.raises(InvalidArgumentError):
        operations.transcriptions_list(client, max_items=-1)

    assert service.requests == []

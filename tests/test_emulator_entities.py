"""The SDK against the emulator, entity by entity: create/get/update/list/delete, the
processing lifecycle, paging and filters, project scoping, typed validation errors,
authentication and the catalogue (base models, manifests, locales, health, logs)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
import attrs
import pytest
from conftest import own_properties
from multidict import CIMultiDictProxy
from yarl import URL

from speechrest import SpeechClient, operations
from speechrest._generated.v3_1.routes import ROUTES
from speechrest._wire import parse_datetime
from speechrest.emulator import Emulator
from speechrest.emulator._handlers import HANDLERS
from speechrest.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
)
from speechrest.models import v3_1 as models

API = "/speechtotext/v3.1"
LOCALE = "en-US"
AUDIO = "https://audio.example.com/calls/001.wav"
CORPUS = "https://data.example.com/corpus.txt"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
TERMINAL = ("Succeeded", "Failed")

# These tests speak v3.1; every version is exercised in test_versions.py.
pytestmark = pytest.mark.speech_client(api_version="v3.1", max_retries=0)


# ----------------------------------------------------------------------------- entity kinds


@attrs.frozen
class Kind:
    """How the SDK reaches one entity collection."""

    collection: str  # path segment, e.g. "transcriptions"
    prefix: str  # operation ID prefix, e.g. "Transcriptions"
    get: str = "get"
    list: str = "list"
    has_status: bool = True

    def group(self, client: SpeechClient) -> Any:
        return getattr(client, self.collection)

    async def fetch(self, client: SpeechClient, entity_id: str) -> Any:
        return await getattr(self.group(client), self.get)(entity_id)

    async def list_ids(self, client: SpeechClient, **kwargs: Any) -> list[str]:
        return [e.id for e in await getattr(self.group(client), self.list)(**kwargs).to_list()]


KINDS = {
    kind.collection: kind
    for kind in (
        Kind("projects", "Projects", has_status=False),
        Kind("datasets", "Datasets"),
        Kind("models", "Models", get="get_custom_model", list="list_custom_models"),
        Kind("evaluations", "Evaluations"),
        Kind("transcriptions", "Transcriptions"),
        Kind("endpoints", "Endpoints"),
    )
}
PROCESSED = [k for k in KINDS.values() if k.has_status]
IN_PROJECTS = PROCESSED  # every processed kind can belong to a project


def by_name(kinds: list[Kind]) -> Any:
    return pytest.mark.parametrize("kind", kinds, ids=[k.collection for k in kinds])


# ----------------------------------------------------------------------------- helpers


def text(value: Any) -> str | None:
    """An enum member or a string as its wire text."""
    return None if value is None else str(getattr(value, "value", value))


def inner_code(error: APIStatusError) -> str | None:
    return text(error.inner_error.code) if error.inner_error is not None else None


def ref(entity: Any) -> dict[str, str]:
    return {"self": entity.self_}


def requests(emu: Emulator, operation_id: str) -> dict[str, int]:
    """How many answers the emulator gave ``operation_id``, by status."""
    counts: dict[str, int] = emu.stats["requests"].get(operation_id, {})
    return counts


def iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


async def base_models(client: SpeechClient, count: int = 1) -> list[models.BaseModel]:
    return await client.models.list_base_models(filter=f"locale eq '{LOCALE}'", max_items=count).to_list()


async def definition(client: SpeechClient, collection: str, project: str | None = None, **extra: Any) -> dict[str, Any]:
    """A valid create body for ``collection`` (in the project with URL ``project``), making
    what it refers to (base models, a dataset)."""
    body: dict[str, Any] = {"displayName": f"a {collection[:-1]}", "locale": LOCALE}
    if project is not None:
        body["project"] = {"self": project}
    if collection == "datasets":
        body.update(kind="Language", contentUrl=CORPUS)
    elif collection == "models":
        body["baseModel"] = ref((await base_models(client))[0])
    elif collection == "evaluations":
        first, second = await base_models(client, 2)
        dataset = await client.datasets.create(await definition(client, "datasets"))
        body.update(model1=ref(first), model2=ref(second), dataset=ref(dataset))
    elif collection == "transcriptions":
        body["contentUrls"] = [AUDIO]
    elif collection == "endpoints":
        body["model"] = ref((await base_models(client))[0])
    return {**body, **extra}


async def create(client: SpeechClient, collection: str, project: str | None = None, **extra: Any) -> Any:
    return await KINDS[collection].group(client).create(await definition(client, collection, project, **extra))


async def wait_for(fetch: Callable[[], Awaitable[Any]], done: Callable[[Any], bool], timeout: float = 5.0) -> Any:
    """Poll ``fetch`` until ``done`` holds for its answer."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await fetch()
        if done(value):
            return value
        assert asyncio.get_running_loop().time() < deadline, f"still not done after {timeout} s: {value!r}"
        await asyncio.sleep(0.02)


async def finished(client: SpeechClient, collection: str, entity_id: str) -> Any:
    kind = KINDS[collection]
    return await wait_for(lambda: kind.fetch(client, entity_id), lambda e: text(e.status) in TERMINAL)


async def raw(
    emu: Emulator, method: str, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, CIMultiDictProxy[str], Any]:
    """One request with plain aiohttp, the key included: status, headers and JSON body (or None)."""
    sent = {"Ocp-Apim-Subscription-Key": emu.key or "", "Content-Type": "application/json", **(headers or {})}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, emu.url + API + path, data=data, headers=sent) as r,
    ):
        body = await r.read()
        return r.status, r.headers, json.loads(body) if body else None


# ----------------------------------------------------------------------------- create, get, update, list, delete


@by_name(list(KINDS.values()))
async def test_create_get_update_list_delete(
    kind: Kind, speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    """The whole life of an entity through its resource group, as the emulator answers it."""
    group = kind.group(speech_client)
    created = await create(speech_client, kind.collection)
    assert requests(speech_emulator, f"{kind.prefix}_Create") == {"201": 1}
    assert created.self_ == f"{speech_emulator.url}{API}/{kind.collection}/{created.id}"
    assert created.created_date_time is not None
    if kind.has_status:
        assert created.status is models.Status.NOT_STARTED

    fetched = await kind.fetch(speech_client, created.id)
    assert (fetched.id, fetched.display_name, fetched.locale) == (created.id, created.display_name, LOCALE)

    updated = await group.update(created.id, {"displayName": "renamed", "customProperties": {"team": "qa"}})
    assert (updated.display_name, updated.custom_properties) == ("renamed", {"team": "qa"})
    again = await kind.fetch(speech_client, created.id)
    assert (again.display_name, again.custom_properties) == ("renamed", {"team": "qa"})

    assert created.id in await kind.list_ids(speech_client)

    if kind.collection == "transcriptions":  # a NotStarted transcription cannot be deleted
        await wait_for(lambda: kind.fetch(speech_client, created.id), lambda e: text(e.status) != "NotStarted")
    await group.delete(created.id)
    assert requests(speech_emulator, f"{kind.prefix}_Delete") == {"204": 1}
    with pytest.raises(NotFoundError) as caught:
        await kind.fetch(speech_client, created.id)
    assert caught.value.status == 404 and caught.value.code == "NotFound"
    assert created.id not in await kind.list_ids(speech_client)


@pytest.mark.speech_emulator(processing_seconds=60)
async def test_a_transcription_that_has_not_started_cannot_be_deleted(speech_client: SpeechClient) -> None:
    transcription = await create(speech_client, "transcriptions")
    with pytest.raises(BadRequestError) as caught:
        await speech_client.transcriptions.delete(transcription.id)
    assert caught.value.code == "InvalidArgument"
    assert inner_code(caught.value) == "DeleteNotAllowed"
    still = await speech_client.transcriptions.get(transcription.id)
    assert still.status is models.Status.NOT_STARTED


@by_name(list(KINDS.values()))
async def test_an_unknown_id_is_not_found(kind: Kind, speech_client: SpeechClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await kind.fetch(speech_client, UNKNOWN_ID)
    assert caught.value.code == "NotFound" and UNKNOWN_ID in (caught.value.message or "")


@pytest.mark.parametrize(
    "change",
    [{"displayName": ""}, {"customProperties": {f"key{i}": "v" for i in range(11)}}],
    ids=["empty-name", "too-many-properties"],
)
async def test_a_refused_update_leaves_the_entity_unchanged(
    change: dict[str, Any], speech_client: SpeechClient
) -> None:
    project = await create(speech_client, "projects", customProperties={"team": "qa"})
    with pytest.raises(BadRequestError):
        await speech_client.projects.update(project.id, change)
    after = await speech_client.projects.get(project.id)
    assert (after.display_name, own_properties(after.custom_properties)) == (project.display_name, {"team": "qa"})


# ----------------------------------------------------------------------------- lifecycle


@pytest.mark.speech_emulator(processing_seconds=0.3)
@by_name(PROCESSED)
async def test_lifecycle_with_retry_after_while_processing(
    kind: Kind, speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    """NotStarted -> Running -> Succeeded in processing_seconds; Retry-After only until the end."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    created = await create(speech_client, kind.collection)
    # (status, Retry-After, lastActionDateTime) as seen: the create answer, then raw GETs
    seen: list[tuple[str, str | None, datetime]] = [("NotStarted", None, created.last_action_date_time)]
    while seen[-1][0] not in TERMINAL:
        assert loop.time() - start < 5, f"{kind.collection} did not finish: {seen[-1]}"
        await asyncio.sleep(0.02)
        status, headers, body = await raw(speech_emulator, "GET", f"/{kind.collection}/{created.id}")
        assert status == 200
        seen.append((body["status"], headers.get("Retry-After"), parse_datetime(body["lastActionDateTime"])))
    assert loop.time() - start >= 0.3

    statuses = [s for i, (s, _, _) in enumerate(seen) if i == 0 or seen[i - 1][0] != s]
    assert statuses == ["NotStarted", "Running", "Succeeded"]
    for status, retry_after, _ in seen[1:]:
        if status in TERMINAL:
            assert retry_after is None
        else:
            assert retry_after is not None and 0 <= float(retry_after) <= 0.3
    first_action = {}
    for status, _, when in seen:
        assert first_action.setdefault(status, when) == when, f"lastActionDateTime moved within {status}"
    assert first_action["NotStarted"] < first_action["Running"] < first_action["Succeeded"]


async def test_a_transcription_whose_audio_all_fails_ends_failed(speech_client: SpeechClient) -> None:
    urls = ["https://audio.example.com/fail-1.wav", "https://audio.example.com/FAIL-2.wav"]
    created = await create(speech_client, "transcriptions", contentUrls=urls)
    await finished(speech_client, "transcriptions", created.id)
    done = await operations.transcriptions_get(speech_client, id=created.id)
    assert done.status is models.Status.FAILED
    assert done.properties.error.code == "InvalidData"
    files = await speech_client.transcriptions.list_files(created.id).to_list()
    assert [text(f.kind) for f in files] == ["TranscriptionReport"]
    report = json.loads(await speech_client.download(files[0].links.content_url))
    assert report["successfulTranscriptionsCount"] == 0 and report["failedTranscriptionsCount"] == 2


async def test_a_transcription_with_some_failing_audio_succeeds_and_reports_it(speech_client: SpeechClient) -> None:
    bad, good = "https://audio.example.com/fail.wav", AUDIO
    created = await create(speech_client, "transcriptions", contentUrls=[bad, good])
    done = await finished(speech_client, "transcriptions", created.id)
    assert done.status is models.Status.SUCCEEDED
    assert done.properties.error is None
    files = await speech_client.transcriptions.list_files(created.id).to_list()
    assert sorted(text(f.kind) for f in files) == ["Transcription", "TranscriptionReport"]
    report_file = next(f for f in files if f.kind is models.FileKind.TRANSCRIPTION_REPORT)
    report = json.loads(await speech_client.download(report_file.links.content_url))
    assert (report["successfulTranscriptionsCount"], report["failedTranscriptionsCount"]) == (1, 1)
    outcome = {d["source"]: d["status"] for d in report["details"]}
    assert outcome == {bad: "Failed", good: "Succeeded"}
    assert next(d for d in report["details"] if d["source"] == bad)["errorKind"] == "InvalidData"


async def test_a_dataset_whose_content_url_fails_ends_failed_with_an_error(speech_client: SpeechClient) -> None:
    created = await create(speech_client, "datasets", contentUrl="https://data.example.com/fail.txt")
    done = await finished(speech_client, "datasets", created.id)
    assert done.status is models.Status.FAILED  # holds; the error below is what is missing
    assert done.properties is not None and done.properties.error is not None
    assert done.properties.error.code == "InvalidData"


# ----------------------------------------------------------------------------- paging and filters


async def make_projects(client: SpeechClient, count: int, prefix: str = "p") -> list[models.Project]:
    return [await client.projects.create({"displayName": f"{prefix}{i}", "locale": LOCALE}) for i in range(count)]


async def test_paging_follows_absolute_next_links_in_creation_order(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    projects = await make_projects(speech_client, 7)
    flt = f"locale eq '{LOCALE}'"
    pages = [page async for page in operations.projects_list(speech_client, top=3, filter=flt).pages()]
    assert [len(page.items) for page in pages] == [3, 3, 1]
    assert [p.id for page in pages for p in page.items] == [p.id for p in projects]
    assert requests(speech_emulator, "Projects_List") == {"200": 3}
    assert pages[-1].next_link is None
    for number, page in enumerate(pages[:-1], start=1):
        link = URL(page.next_link)
        assert f"{link.scheme}://{link.host}:{link.port}" == speech_emulator.url
        assert link.path == f"{API}/projects"
        assert dict(link.query) == {"skip": str(3 * number), "top": "3", "filter": flt}


async def test_top_is_capped_at_one_hundred(speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    """The SDK refuses top > 100 itself, so ask the emulator directly."""
    await make_projects(speech_client, 105)
    headers = {"Ocp-Apim-Subscription-Key": speech_emulator.key or ""}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{speech_emulator.url}/speechtotext/v3.1/projects?top=500") as response:
            first = await response.json()
        async with session.get(first["@nextLink"]) as response:
            second = await response.json()
    assert [len(first["values"]), len(second["values"])] == [100, 5]
    assert URL(first["@nextLink"]).query["top"] == "100"
    assert requests(speech_emulator, "Projects_List") == {"200": 2}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("displayName eq 'p2'", ["p2"]),
        ("displayName ne 'p2' and displayName ne 'p3'", ["p0", "p1", "p4", "p5", "p6"]),
        ("createdDateTime ge {created[4]}", ["p4", "p5", "p6"]),
        ("createdDateTime lt {created[2]}", ["p0", "p1"]),
        ("createdDateTime ge {created[2]} and displayName ne 'p3'", ["p2", "p4", "p5", "p6"]),
        ("displayName eq 'p1' or displayName eq 'p5'", ["p1", "p5"]),
        ("(displayName eq 'p0' or displayName eq 'p6') and createdDateTime ge {created[1]}", ["p6"]),
        ("displayName eq 'nobody'", []),
    ],
)
async def test_filters(expression: str, expected: list[str], speech_client: SpeechClient) -> None:
    projects = await make_projects(speech_client, 7)
    flt = expression.format(created=[iso(p.created_date_time) for p in projects])
    assert [p.display_name for p in await speech_client.projects.list(filter=flt).to_list()] == expected


async def test_status_filter(speech_client: SpeechClient) -> None:
    good = await create(speech_client, "transcriptions", displayName="good")
    bad = await create(speech_client, "transcriptions", displayName="bad", contentUrls=["https://a.example/fail.wav"])
    for t in (good, bad):
        await finished(speech_client, "transcriptions", t.id)

    async def names(flt: str) -> list[str]:
        return [t.display_name for t in await speech_client.transcriptions.list(filter=flt).to_list()]

    assert await names("status eq 'Succeeded'") == ["good"]
    assert await names("status eq 'Failed'") == ["bad"]
    assert await names("status eq 'Failed' or displayName eq 'good'") == ["good", "bad"]
    assert await names("status eq 'Running'") == []


@pytest.mark.parametrize(
    "expression",
    ["displayName eq", "bogus eq 'x'", "displayName gt 'a'", "displayName eq 'x' and", "(displayName eq 'x'"],
)
async def test_a_bad_filter_is_refused(expression: str, speech_client: SpeechClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        await speech_client.projects.list(filter=expression).to_list()
    assert caught.value.code == "InvalidArgument"
    assert inner_code(caught.value) == "UnsupportedFilter"


# ----------------------------------------------------------------------------- project scoping


@by_name(IN_PROJECTS)
async def test_project_lists_hold_only_that_projects_entities(kind: Kind, speech_client: SpeechClient) -> None:
    mine, other = await make_projects(speech_client, 2)
    inside = await create(speech_client, kind.collection, project=mine.self_)
    await create(speech_client, kind.collection, project=other.self_)
    await create(speech_client, kind.collection)
    scoped = getattr(speech_client.projects, f"list_{kind.collection}")
    assert [e.id for e in await scoped(mine.id).to_list()] == [inside.id]
    assert inside.project.self_ == mine.self_
    counts = (await speech_client.projects.get(mine.id)).properties
    assert getattr(counts, f"{kind.collection[:-1]}_count") == 1


async def test_an_unknown_project_has_no_lists(speech_client: SpeechClient) -> None:
    for kind in IN_PROJECTS:
        with pytest.raises(NotFoundError) as caught:
            await getattr(speech_client.projects, f"list_{kind.collection}")(UNKNOWN_ID).to_list()
        assert caught.value.code == "NotFound"


@by_name(IN_PROJECTS)
async def test_creating_in_an_unknown_project_is_refused(
    kind: Kind, speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    missing = f"{speech_emulator.url}{API}/projects/{UNKNOWN_ID}"
    with pytest.raises(BadRequestError) as caught:
        await create(speech_client, kind.collection, project=missing)
    assert inner_code(caught.value) == "InvalidProject"
    assert await kind.list_ids(speech_client) == []


async def test_a_transcription_is_not_a_project(speech_client: SpeechClient) -> None:
    transcription = await create(speech_client, "transcriptions")
    with pytest.raises(BadRequestError) as caught:
        await create(speech_client, "datasets", project=transcription.self_)
    assert inner_code(caught.value) == "InvalidProject"


# ----------------------------------------------------------------------------- validation


async def test_a_transcription_takes_one_source_only(speech_client: SpeechClient) -> None:
    both = models.Transcription(
        display_name="both",
        locale=LOCALE,
        content_urls=[AUDIO],
        content_container_url="https://audio.example.com/container?sig=x",
    )
    with pytest.raises(BadRequestError) as caught:
        await speech_client.transcriptions.create(both)
    assert caught.value.code == "InvalidArgument"
    assert inner_code(caught.value) == "OnlyOneOfUrlsOrContainerOrDataset"


async def test_a_transcription_takes_at_most_1000_urls(speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    """The SDK refuses 1,001 URLs itself; the emulator refuses them too when sent directly."""
    urls = [f"https://audio.example.com/{n}.wav" for n in range(1001)]
    body = {"displayName": "t", "locale": "en-US", "contentUrls": urls}
    headers = {"Ocp-Apim-Subscription-Key": speech_emulator.key or ""}
    url = f"{speech_emulator.url}/speechtotext/v3.1/transcriptions"
    async with aiohttp.ClientSession(headers=headers) as session, session.post(url, json=body) as response:
        assert response.status == 400
        assert (await response.json())["innerError"]["code"] == "ExceededNumberOfRecordingsUris"
    created = await create(speech_client, "transcriptions", contentUrls=urls[:1000])
    assert len(speech_emulator.service.store.get("transcriptions", created.id).entity.content_urls) == 1000


@by_name(list(KINDS.values()))
async def test_a_missing_display_name_is_refused(
    kind: Kind, speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    """The emulator refuses it (the SDK would not send it), and nothing is created."""
    body = await definition(speech_client, kind.collection)
    del body["displayName"]
    before = speech_emulator.service.store.count(kind.collection)
    status, _, error = await raw(speech_emulator, "POST", f"/{kind.collection}", data=json.dumps(body).encode())
    assert status == 400
    assert (error["code"], error["innerError"]["code"], error["target"]) == (
        "InvalidRequest",
        "InvalidPayload",
        "displayName",
    )
    assert error["message"] == "The request body is invalid: 'displayName' is required."
    assert speech_emulator.service.store.count(kind.collection) == before
    with pytest.raises(InvalidArgumentError, match=rf"'{kind.collection[:-1]}\.displayName' is required"):
        await kind.group(speech_client).create(body)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/projects", b'{"displayName": ', 400, "InvalidArgument"),
        ("POST", "/projects", b"", 400, "InvalidArgument"),
        ("GET", "/transcriptions/not-a-uuid", None, 400, "InvalidArgument"),
        ("GET", f"/transcriptions/{UNKNOWN_ID}", None, 404, "NotFound"),
        ("GET", "/no-such-thing", None, 404, "NotFound"),
        ("PUT", "/transcriptions", b"{}", 405, "NotAllowed"),
        ("POST", "/healthstatus", b"{}", 405, "NotAllowed"),
    ],
    ids=[
        "malformed-json",
        "empty-body",
        "non-uuid-id",
        "unknown-id",
        "unknown-route",
        "wrong-method",
        "wrong-method-on-health",
    ],
)
async def test_raw_requests_get_error_bodies(
    method: str, path: str, body: bytes | None, status: int, code: str, speech_emulator: Emulator
) -> None:
    got, headers, error = await raw(speech_emulator, method, path, data=body)
    assert got == status
    assert headers["Content-Type"].startswith("application/json")
    assert error["code"] == code and error["message"]
    if status == 405:
        assert method not in headers["Allow"] and "GET" in headers["Allow"]


# ----------------------------------------------------------------------------- authentication


@pytest.mark.speech_emulator(key="k")
@pytest.mark.parametrize(("credentials", "allowed"), [({"key": "wrong"}, False), ({}, False), ({"token": "k"}, True)])
async def test_authentication(credentials: dict[str, str], allowed: bool, speech_emulator: Emulator) -> None:
    async with SpeechClient(endpoint=speech_emulator.url, api_version="v3.1", **credentials) as client:
        if allowed:
            assert (await client.service_health.get()).status is models.HealthStatus.HEALTHY
            assert await client.projects.list().to_list() == []
        else:
            with pytest.raises(AuthenticationError) as caught:
                await client.projects.list().to_list()
            assert caught.value.status == 401 and caught.value.code == "Unauthorized"


# ----------------------------------------------------------------------------- catalogue and the rest


async def test_base_models_by_locale(speech_client: SpeechClient) -> None:
    everything = await speech_client.models.list_base_models().to_list()
    german = await speech_client.models.list_base_models(filter="locale eq 'de-DE'").to_list()
    assert german and all(m.locale == "de-DE" for m in german)
    assert {m.id for m in german} == {m.id for m in everything if m.locale == "de-DE"}
    one = await speech_client.models.get_base_model(german[0].id)
    assert (one.self_, one.display_name, one.status) == (german[0].self_, german[0].display_name, german[0].status)
    with pytest.raises(NotFoundError):
        await speech_client.models.get_base_model(UNKNOWN_ID)


async def test_base_model_manifest_files_can_be_downloaded(
    speech_emulator: Emulator, speech_client: SpeechClient
) -> None:
    (base,) = await base_models(speech_client)
    manifest = await speech_client.models.get_base_model_manifest(base.id)
    assert manifest.model.self_ == base.self_
    assert manifest.model_files and manifest.model_files[0].content_url.startswith(speech_emulator.blob_url)
    assert isinstance(await speech_client.download(manifest.model_files[0].content_url), bytes)


async def test_custom_model_manifest_once_succeeded(speech_client: SpeechClient) -> None:
    model = await create(speech_client, "models")
    with pytest.raises(BadRequestError) as caught:
        await speech_client.models.get_custom_model_manifest(model.id)
    assert inner_code(caught.value) == "ModelNotDeployable"
    done = await finished(speech_client, "models", model.id)
    assert done.status is models.Status.SUCCEEDED
    manifest = await speech_client.models.get_custom_model_manifest(model.id)
    assert manifest.model.self_ == model.self_
    assert isinstance(await speech_client.download(manifest.model_files[0].content_url), bytes)


async def test_copying_a_model_makes_a_new_one(speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    model = await create(speech_client, "models")
    await finished(speech_client, "models", model.id)
    copy = await speech_client.models.copy_to(model.id, {"targetSubscriptionKey": "another-key"})
    assert requests(speech_emulator, "Models_CopyTo") == {"201": 1}
    assert copy.id != model.id
    assert copy.self_ == f"{speech_emulator.url}{API}/models/{copy.id}"
    assert (copy.display_name, copy.locale, copy.base_model) == (model.display_name, model.locale, model.base_model)
    assert copy.status is models.Status.NOT_STARTED
    assert await KINDS["models"].list_ids(speech_client) == [model.id, copy.id]
    assert (await finished(speech_client, "models", copy.id)).status is models.Status.SUCCEEDED


@pytest.mark.parametrize("group", ["transcriptions", "models", "projects", "evaluations", "endpoints"])
async def test_supported_locales(group: str, speech_client: SpeechClient) -> None:
    locales = await getattr(speech_client, group).list_supported_locales()
    assert LOCALE in locales and "de-DE" in locales


async def test_dataset_locales_map_locales_to_kinds(speech_client: SpeechClient) -> None:
    locales = await speech_client.datasets.list_supported_locales()
    assert LOCALE in locales
    assert models.DatasetKind.LANGUAGE in locales[LOCALE] and models.DatasetKind.ACOUSTIC in locales[LOCALE]


async def test_service_health(speech_client: SpeechClient) -> None:
    health = await speech_client.service_health.get()
    assert health.status is models.HealthStatus.HEALTHY
    assert health.components and all(c.status is models.HealthStatus.HEALTHY for c in health.components)


async def test_endpoint_logs(speech_emulator: Emulator, speech_client: SpeechClient) -> None:
    endpoint = await create(speech_client, "endpoints")
    assert await speech_client.endpoints.list_logs(endpoint.id).to_list() == []
    with pytest.raises(NotFoundError) as caught:
        await speech_client.endpoints.get_log(endpoint.id, "no-such-log")
    assert caught.value.code == "NotFound"
    await speech_client.endpoints.delete_logs(endpoint.id)
    assert requests(speech_emulator, "Endpoints_DeleteLogs") == {"202": 1}
    assert await speech_client.endpoints.list_base_model_logs(LOCALE).to_list() == []
    await speech_client.endpoints.delete_base_model_logs(LOCALE)
    assert requests(speech_emulator, "Endpoints_DeleteBaseModelLogs") == {"202": 1}
    with pytest.raises(NotFoundError):
        await speech_client.endpoints.list_logs(UNKNOWN_ID).to_list()


def test_every_operation_has_a_handler() -> None:
    assert set(HANDLERS) == set(ROUTES)

"""One handler per operation ID. Generic ones serve the entity collections; the rest are
the operations with behaviour of their own (blocks, uploads, files, manifests, hooks...)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import attrs
from aiohttp import BodyPartReader, web

from .._core.arguments import encode_query
from .._core.records import Route
from .._generated.v3_1 import models as m
from ..models import converter
from ._errors import ServiceError, bad_request, not_found
from ._filter import FilterError, compile_filter
from ._service import LOCALES, Service, status_of, wire
from ._store import Record, StoredFile, now

MAX_BLOCK = 8 * 1024 * 1024
MAX_TOP = 100
MAX_CONTENT_URLS = 1000
MAX_CUSTOM_PROPERTIES = 10
GA_VERSIONS = ("2024-11-15", "2025-10-15")
# How long a finished transcription may be kept, as the service documents it.
LONGEST_TTL = timedelta(days=31)
SHORTEST_GA_TTL = timedelta(hours=6)

_ENTITY_FILTER = ("displayName", "description", "createdDateTime", "lastActionDateTime", "status", "locale", "kind")
_FILE_FILTER = ("name", "kind", "createdDateTime")


@attrs.define
class Call:
    """One request, its parameters checked against the route, and the service behind it."""

    service: Service
    request: web.Request
    route: Route
    path: dict[str, str]
    query: dict[str, Any]
    body: Any
    api_base: str  # e.g. http://127.0.0.1:8080/speechtotext/v3.1: the emulator thinks in v3.1
    version: str = "v3.1"  # the API version the caller speaks


Handler = Callable[[Call], Awaitable[web.StreamResponse]]

# ---------------------------------------------------------------------------- responses


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data, separators=(",", ":")).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def entity_response(call: Call, record: Record, status: int = 200) -> web.Response:
    headers: dict[str, str] = {}
    if status == 201:
        headers["Location"] = record.entity.self_
    retry = call.service.retry_after(record)
    if retry is not None and call.request.method == "GET":
        headers["Retry-After"] = retry
    return json_response(with_derived(call, record), status, headers)


def with_derived(call: Call, record: Record) -> dict[str, Any]:
    """The entity's wire form plus what is computed when shown (project counts)."""
    data = call.service.wire_of(record)
    if record.collection == "projects":
        data = dict(data)
        counts = {
            f"{c[:-1]}Count": sum(1 for r in call.service.store.all(c) if _project_id(r) == record.id)
            for c in ("datasets", "evaluations", "models", "transcriptions", "endpoints")
        }
        data["properties"] = counts
    return data


def page(call: Call, items: list[dict[str, Any]], filterable: tuple[str, ...]) -> web.Response:
    """One page of ``items`` (wire dicts) after ``filter``, ``skip`` and ``top``, with ``@nextLink``."""
    expression = call.query.get("filter") or ""
    try:
        keep = compile_filter(expression, filterable)
    except FilterError as exc:
        raise bad_request(f"Invalid filter: {exc}", "UnsupportedFilter") from exc
    selected = [item for item in items if keep(item)]
    skip = call.query.get("skip", 0)
    top = min(call.query.get("top", MAX_TOP), MAX_TOP)
    body: dict[str, Any] = {"values": selected[skip : skip + top]}
    if skip + top < len(selected):
        query = [("skip", str(skip + top)), ("top", str(top))]
        if expression:
            query.append(("filter", expression))
        query += [(k, v) for k, v in call.request.query.items() if k not in ("skip", "top", "filter")]
        body["@nextLink"] = f"{call.request.url.origin()}{call.request.path}?{encode_query(query)}"
    return json_response(body)


def no_content(status: int = 204) -> web.Response:
    return web.Response(status=status)


# ---------------------------------------------------------------------------- checks


def _project_id(record: Record) -> str | None:
    project = getattr(record.entity, "project", None)
    return _last_segment(project.self_) if project is not None else None


def _last_segment(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _resolve(call: Call, ref: m.EntityReference | None, field: str, inner: str, allow_base: bool = False) -> None:
    """Check that an entity reference names an entity of the right collection that exists here."""
    if ref is None:
        return
    collection = {"project": "projects", "dataset": "datasets"}.get(field, "models")
    segments = ref.self_.split("?", 1)[0].rstrip("/").split("/")
    if allow_base and segments[-3:-1] == ["models", "base"] and segments[-1] in call.service.base_models:
        return
    if len(segments) < 2 or segments[-2] != collection or call.service.store.find(collection, segments[-1]) is None:
        raise bad_request(f"The {field} '{ref.self_}' does not exist.", inner)


def _check_common(entity: Any) -> None:
    for name, wire_name in (("display_name", "displayName"), ("locale", "locale")):
        value = getattr(entity, name, "x")
        if not isinstance(value, str) or not value.strip():
            raise bad_request(f"'{wire_name}' must be a non-empty string.")
    custom = getattr(entity, "custom_properties", None) or {}
    if len(custom) > MAX_CUSTOM_PROPERTIES:
        raise bad_request(f"At most {MAX_CUSTOM_PROPERTIES} custom properties are allowed, got {len(custom)}.")
    for key, value in custom.items():
        if not isinstance(value, str) or len(key) > 64 or len(value) > 256:
            raise bad_request("Custom property keys are at most 64 characters and values strings of at most 256.")


def _check_transcription(call: Call, t: m.Transcription) -> None:
    sources = [t.content_urls is not None, t.content_container_url is not None, t.dataset is not None]
    if sum(sources) != 1:
        raise bad_request(
            "Give exactly one of contentUrls, contentContainerUrl or dataset.", "OnlyOneOfUrlsOrContainerOrDataset"
        )
    urls = t.content_urls or []
    if t.content_urls is not None and not urls:
        raise bad_request("contentUrls is empty.", "InvalidRecordingsUri")
    if len(urls) > MAX_CONTENT_URLS:
        raise bad_request(
            f"At most {MAX_CONTENT_URLS} content URLs are allowed, got {len(urls)}.", "ExceededNumberOfRecordingsUris"
        )
    bad = [u for u in urls if not isinstance(u, str) or not u.startswith(("http://", "https://"))]
    if bad:
        raise bad_request(f"Not an absolute http(s) URL: {bad[0]!r}.", "InvalidRecordingsUri")
    _check_time_to_live(call, t.properties.time_to_live if t.properties is not None else None)
    _resolve(call, t.model, "model", "InvalidModel", allow_base=True)
    _resolve(call, t.dataset, "dataset", "InvalidDataset")


def _check_time_to_live(call: Call, ttl: timedelta | None) -> None:
    """The documented range: 6 hours to 31 days on the GA versions; at most 31 days on v3.x (0: kept)."""
    if ttl is None:
        return
    if call.version in GA_VERSIONS and not LONGEST_TTL >= ttl >= SHORTEST_GA_TTL:
        raise bad_request("timeToLiveHours must be between 6 and 744 (31 days).", "InvalidTimeToLive")
    if not LONGEST_TTL >= ttl >= timedelta(0):
        raise bad_request("timeToLive must be at most 31 days.", "InvalidTimeToLive")


def _check_entity(call: Call, collection: str, entity: Any) -> None:
    _check_common(entity)
    _resolve(call, getattr(entity, "project", None), "project", "InvalidProject")
    if collection == "transcriptions":
        _check_transcription(call, entity)
    elif collection == "datasets":
        if entity.content_url is not None and not str(entity.content_url).startswith(("http://", "https://")):
            raise bad_request("contentUrl must be an absolute http(s) URL.", "InvalidParameterValue")
    elif collection == "models":
        if entity.base_model is None and not entity.datasets:
            raise bad_request("A model needs a baseModel or datasets.", "InvalidBaseModel")
        _resolve(call, entity.base_model, "model", "InvalidBaseModel", allow_base=True)
        for ref in entity.datasets or []:
            _resolve(call, ref, "dataset", "InvalidDataset")
    elif collection == "evaluations":
        _resolve(call, entity.model1, "model", "InvalidModel", allow_base=True)
        _resolve(call, entity.model2, "model", "InvalidModel", allow_base=True)
        _resolve(call, entity.dataset, "dataset", "InvalidDataset")
    elif collection == "endpoints":
        _resolve(call, entity.model, "model", "InvalidModel", allow_base=True)
    elif collection == "webhooks":
        events = converter.unstructure(entity.events) if entity.events is not None else {}
        if not any(events.values()):
            raise bad_request("Subscribe to at least one event.", "InvalidWebHookEventKind")
        if not str(entity.web_url).startswith(("http://", "https://")):
            raise bad_request("webUrl must be an absolute http(s) URL.", "InvalidCallbackUri")


# ---------------------------------------------------------------------------- links


def _links(call: Call, record: Record) -> None:
    base = record.entity.self_
    e = record.entity
    if record.collection == "datasets":
        e.links = m.DatasetLinks(files=f"{base}/files")
        if record.awaiting_blocks:
            e.links.upload_blocks = e.links.list_blocks = f"{base}/blocks"
            e.links.commit_blocks = f"{base}/blocks:commit"
    elif record.collection == "models":
        e.links = m.CustomModelLinks(copy_to=f"{base}:copyto", files=f"{base}/files", manifest=f"{base}/manifest")
    elif record.collection == "evaluations":
        e.links = m.EvaluationLinks(files=f"{base}/files")
    elif record.collection == "transcriptions":
        e.links = m.TranscriptionLinks(files=f"{base}/files")
    elif record.collection == "endpoints":
        host = call.request.url.origin()
        e.links = m.EndpointLinks(
            rest_interactive=f"{host}/speech/recognition/interactive/cognitiveservices/v1?cid={record.id}",
            rest_conversation=f"{host}/speech/recognition/conversation/cognitiveservices/v1?cid={record.id}",
            rest_dictation=f"{host}/speech/recognition/dictation/cognitiveservices/v1?cid={record.id}",
            web_socket_interactive=f"ws{str(host)[4:]}/speech/recognition/interactive/cognitiveservices/v1?cid={record.id}",
            web_socket_conversation=f"ws{str(host)[4:]}/speech/recognition/conversation/cognitiveservices/v1?cid={record.id}",
            web_socket_dictation=f"ws{str(host)[4:]}/speech/recognition/dictation/cognitiveservices/v1?cid={record.id}",
            logs=f"{base}/files/logs",
        )
    elif record.collection == "webhooks":
        e.links = m.WebHookLinks(ping=f"{base}:ping", test=f"{base}:test")
    elif record.collection == "projects":
        e.links = m.ProjectLinks(
            datasets=f"{base}/datasets",
            evaluations=f"{base}/evaluations",
            models=f"{base}/models",
            endpoints=f"{base}/endpoints",
            transcriptions=f"{base}/transcriptions",
        )


# ---------------------------------------------------------------------------- generic verbs


def create(collection: str) -> Handler:
    async def handler(call: Call) -> web.StreamResponse:
        entity = call.body
        _check_entity(call, collection, entity)
        service = call.service
        record = service.new_record(collection, entity, call.api_base)
        if collection == "datasets" and entity.content_url is None:
            record.awaiting_blocks = True
        _links(call, record)
        if collection == "webhooks":
            entity.properties = entity.properties or m.WebHookProperties()
            entity.properties.api_version = call.version
            service.spawn_challenge(record)
        elif collection in ("datasets", "models", "evaluations", "transcriptions", "endpoints"):
            service.event(record, "Creation")
            if not record.awaiting_blocks:
                service.start(record)
        return entity_response(call, record, 201)

    return handler


def get(collection: str) -> Handler:
    async def handler(call: Call) -> web.StreamResponse:
        return entity_response(call, call.service.store.get(collection, call.path["id"]))

    return handler


def list_all(collection: str, by_project: bool = False) -> Handler:
    async def handler(call: Call) -> web.StreamResponse:
        store = call.service.store
        if by_project:
            store.get("projects", call.path["id"])
        records = [r for r in store.all(collection) if not by_project or _project_id(r) == call.path["id"]]
        return page(call, [with_derived(call, r) for r in records], _ENTITY_FILTER)

    return handler


def update(collection: str) -> Handler:
    async def handler(call: Call) -> web.StreamResponse:
        record = call.service.store.get(collection, call.path["id"])
        entity, change = record.entity, call.body
        changes = {
            f.name: getattr(change, f.name)
            for f in attrs.fields(type(change))
            if getattr(change, f.name) is not None and f.name not in ("additional_properties", "properties")
        }
        _resolve(call, changes.get("project"), "project", "InvalidProject")
        _resolve(call, changes.get("model"), "model", "InvalidModel", allow_base=True)
        _check_common(attrs.evolve(entity, **changes))  # refuse before changing anything
        for name, value in changes.items():
            setattr(entity, name, value)
        props = getattr(change, "properties", None)
        if isinstance(props, m.WebHookPropertiesUpdate) and props.secret is not None:
            entity.properties = entity.properties or m.WebHookProperties()
            entity.properties.secret = props.secret
        if isinstance(props, m.EndpointPropertiesUpdate) and props.content_logging_enabled is not None:
            entity.properties = entity.properties or m.EndpointProperties()
            entity.properties.logging_enabled = props.content_logging_enabled
        call.service.touch(record)
        if collection == "webhooks" and (change.web_url is not None or status_of(record) == "Failed"):
            entity.status = m.Status.NOT_STARTED
            call.service.touch(record)
            call.service.spawn_challenge(record)  # a PATCH re-validates and re-enables a hook
        return entity_response(call, record)

    return handler


# Deleting one of these that does not exist is done all the same (204, "deleted or did not
# exist", on every version); a missing endpoint or web hook stays a 404.
_DELETED_IF_MISSING = ("datasets", "evaluations", "models", "projects", "transcriptions")


def delete(collection: str) -> Handler:
    async def handler(call: Call) -> web.StreamResponse:
        store = call.service.store
        if collection in _DELETED_IF_MISSING and store.find(collection, call.path["id"]) is None:
            return no_content()
        record = store.get(collection, call.path["id"])
        if collection == "transcriptions" and status_of(record) == "NotStarted":
            raise bad_request("A transcription cannot be deleted before it starts.", "DeleteNotAllowed")
        store.remove(collection, record.id)
        for stored in record.files:
            call.service.blob.discard(stored)
            if stored.path is not None:
                stored.path.unlink(missing_ok=True)  # spooled uploads leave the disk with their dataset
        call.service.event(record, "Deletion")
        return no_content()

    return handler


def file_wire(call: Call, owner: str, stored: StoredFile) -> dict[str, Any]:
    validity = call.query.get("sasValidityInSeconds")
    return wire(
        m.File(
            self_=f"{owner}/files/{stored.id}",
            name=stored.name,
            kind=stored.kind,
            created_date_time=stored.created,
            links=m.FileLinks(content_url=call.service.blob.content_url(stored, validity, call.version)),
            properties=m.FileProperties(size=call.service.blob.size(stored, call.version)),
        )
    )


def list_files(collection: str) -> Handler:
    async def handler(call: Call) -> web.StreamResponse:
        record = call.service.store.get(collection, call.path["id"])
        items = [file_wire(call, record.entity.self_, f) for f in record.files]
        return page(call, items, _FILE_FILTER)

    return handler


def get_file(collection: str) -> Handler:
    async def handler(call: Call) -> web.StreamResponse:
        record = call.service.store.get(collection, call.path["id"])
        stored = next((f for f in record.files if f.id == call.path["fileId"]), None)
        if stored is None:
            raise not_found(f"The file with id '{call.path['fileId']}'")
        return json_response(file_wire(call, record.entity.self_, stored))

    return handler


# ---------------------------------------------------------------------------- datasets


async def upload_block(call: Call) -> web.StreamResponse:
    record = call.service.store.get("datasets", call.path["id"])
    if not record.awaiting_blocks:
        raise bad_request(
            "The dataset does not accept blocks: it was committed or created from a URL.", "InvalidDataset"
        )
    block_id = call.query["blockid"]
    try:
        raw = base64.b64decode(block_id, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"blockid {block_id!r} is not valid Base64.", "InvalidParameterValue") from None
    if len(raw) > 64:
        raise bad_request("blockid must encode at most 64 bytes.", "InvalidParameterValue")
    lengths = {len(known) for known in record.blocks}
    if lengths and len(block_id) not in lengths:
        raise bad_request("Every blockid of a dataset must have the same length.", "InvalidParameterValue")
    declared = call.request.content_length
    if declared is not None and declared > MAX_BLOCK:
        raise bad_request(f"A block is at most {MAX_BLOCK} bytes, got {declared}.", "InvalidParameterValue")
    await call.service.store_block(record, block_id, call.request.content, MAX_BLOCK)
    return no_content(201)


async def get_blocks(call: Call) -> web.StreamResponse:
    record = call.service.store.get("datasets", call.path["id"])
    blocks = m.UploadedBlocks(
        committed_blocks=[m.ResponseBlock(name=i, size=s) for i, s in record.committed],
        uncommitted_blocks=[m.ResponseBlock(name=i, size=b.size) for i, b in record.blocks.items()],
    )
    return json_response(wire(blocks))


async def commit_blocks(call: Call) -> web.StreamResponse:
    record = call.service.store.get("datasets", call.path["id"])
    if not record.awaiting_blocks:
        raise bad_request("The dataset was already committed or does not take blocks.", "InvalidDataset")
    if not call.body:
        raise bad_request("The block list is empty.", "EmptyRequest")
    call.service.commit_blocks(record, call.body)
    return web.Response(status=200)


async def upload_dataset(call: Call) -> web.StreamResponse:
    """``Datasets_Upload``: a multipart form with the definition's fields and the ``data`` file."""
    if not call.request.content_type.startswith("multipart/"):
        raise ServiceError(415, "Send the dataset as multipart/form-data.")
    fields: dict[str, str] = {}
    service = call.service
    spooled = service.spool / f"upload-{service.store.new_id()}"
    reader = await call.request.multipart()
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.name == "data":
                with spooled.open("wb") as out:
                    while chunk := await part.read_chunk(1024 * 1024):
                        out.write(chunk)
            else:
                fields[part.name] = await part.text()
    except BaseException:  # such as the client hanging up: nothing is kept
        spooled.unlink(missing_ok=True)
        raise
    missing = [name for name in ("displayName", "locale", "kind") if not fields.get(name)]
    if missing or not spooled.exists():
        spooled.unlink(missing_ok=True)
        raise bad_request(f"Missing form fields: {', '.join(missing + ([] if spooled.exists() else ['data']))}.")
    try:
        custom = json.loads(fields["customProperties"]) if fields.get("customProperties") else None
    except (ValueError, RecursionError):
        raise bad_request("customProperties must be a JSON object of strings.") from None
    dataset = m.Dataset(
        display_name=fields["displayName"],
        locale=fields["locale"],
        kind=fields["kind"],
        description=fields.get("description"),
        custom_properties=custom,
        project=m.EntityReference(self_=fields["project"]) if fields.get("project") else None,
    )
    _check_entity(call, "datasets", dataset)
    record = service.new_record("datasets", dataset, call.api_base)
    _links(call, record)
    service.add_upload(record, spooled)
    service.event(record, "Creation")
    service.start(record)
    return entity_response(call, record, 201)


async def dataset_locales(call: Call) -> web.StreamResponse:
    kinds = [k.value for k in m.DatasetKind]
    if call.version in GA_VERSIONS:  # the GA versions list locales by kind
        return json_response({kind: list(LOCALES) for kind in [*kinds, "OutputFormatting"]})
    return json_response({locale: kinds for locale in LOCALES})


async def transcription_locales(call: Call) -> web.StreamResponse:
    if call.version in GA_VERSIONS:  # the GA versions list them per way of transcribing
        return json_response({"Submit": list(LOCALES), "Transcribe": list(LOCALES)})
    return json_response(list(LOCALES))


async def locales(call: Call) -> web.StreamResponse:
    return json_response(list(LOCALES))


# ---------------------------------------------------------------------------- models


def _base_model_wire(call: Call, model_id: str) -> dict[str, Any]:
    model = call.service.base_models.get(model_id)
    if model is None:
        raise not_found(f"The base model with id '{model_id}'")
    self_ = f"{call.api_base}/models/base/{model_id}"
    return wire(attrs.evolve(model, self_=self_, links=m.BaseModelLinks(manifest=f"{self_}/manifest")))


async def list_base_models(call: Call) -> web.StreamResponse:
    items = [_base_model_wire(call, model_id) for model_id in call.service.base_models]
    return page(call, items, _ENTITY_FILTER)


async def get_base_model(call: Call) -> web.StreamResponse:
    return json_response(_base_model_wire(call, call.path["id"]))


def _manifest(call: Call, self_: str, name: str) -> web.Response:
    stored = StoredFile(f"model-{_last_segment(self_)}", name, "ModelBinary", now(), 0, data=b"")
    call.service.blob.add(stored)
    url = call.service.blob.content_url(stored, call.query.get("sasValidityInSeconds"))
    manifest = m.ModelManifest(
        model=m.EntityReference(self_=self_), model_files=[m.ModelFile(name=name, content_url=url)], properties={}
    )
    return json_response(wire(manifest))


async def custom_model_manifest(call: Call) -> web.StreamResponse:
    record = call.service.store.get("models", call.path["id"], "model")
    if status_of(record) != "Succeeded":
        raise bad_request("The model is not ready: its manifest exists once it succeeded.", "ModelNotDeployable")
    return _manifest(call, record.entity.self_, "model.bin")


async def base_model_manifest(call: Call) -> web.StreamResponse:
    _base_model_wire(call, call.path["id"])
    return _manifest(call, f"{call.api_base}/models/base/{call.path['id']}", "base-model.bin")


async def copy_model(call: Call) -> web.StreamResponse:
    source = call.service.store.get("models", call.path["id"], "model")
    copy = attrs.evolve(source.entity, links=None, properties=None, status=None)
    record = call.service.new_record("models", copy, call.api_base)
    _links(call, record)
    call.service.event(record, "Creation")
    call.service.start(record)
    return entity_response(call, record, 201)


# ---------------------------------------------------------------------------- endpoint logs


async def list_logs(call: Call) -> web.StreamResponse:
    if "id" in call.path:
        call.service.store.get("endpoints", call.path["id"], "endpoint")
    return json_response({"values": []})


async def missing_log(call: Call) -> web.StreamResponse:
    raise not_found(f"The log with id '{call.path['logId']}'")


async def delete_logs(call: Call) -> web.StreamResponse:
    if "id" in call.path:
        call.service.store.get("endpoints", call.path["id"], "endpoint")
    return no_content(202)


# ---------------------------------------------------------------------------- web hooks and health


async def ping(call: Call) -> web.StreamResponse:
    call.service.notifier.ping(call.service.store.get("webhooks", call.path["id"], "web hook"))
    return no_content(202)


async def test_hook(call: Call) -> web.StreamResponse:
    sent = call.service.notifier.test(call.service.store.get("webhooks", call.path["id"], "web hook"))
    return no_content(202 if sent else 204)


async def health(call: Call) -> web.StreamResponse:
    healthy = m.HealthStatus.HEALTHY
    return json_response(
        wire(
            m.ServiceHealth(
                status=healthy,
                message="OK",
                components=[
                    m.Component(name="Storage", type="AzureBlobStorage", status=healthy, message="OK"),
                    m.Component(name="Processing", type="BatchProcessing", status=healthy, message="OK"),
                ],
            )
        )
    )


# ---------------------------------------------------------------------------- the table


def _handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    prefixes = {
        "Datasets": "datasets",
        "Evaluations": "evaluations",
        "Transcriptions": "transcriptions",
        "Endpoints": "endpoints",
        "Projects": "projects",
        "WebHooks": "webhooks",
    }
    for prefix, collection in prefixes.items():
        table[f"{prefix}_Create"] = create(collection)
        table[f"{prefix}_Get"] = get(collection)
        table[f"{prefix}_List"] = list_all(collection)
        table[f"{prefix}_Update"] = update(collection)
        table[f"{prefix}_Delete"] = delete(collection)
        table[f"{prefix}_ListSupportedLocales"] = locales
        if collection in ("datasets", "evaluations", "transcriptions"):
            table[f"{prefix}_ListFiles"] = list_files(collection)
            table[f"{prefix}_GetFile"] = get_file(collection)
    for collection in ("datasets", "evaluations", "models", "transcriptions", "endpoints"):
        name = "Models" if collection == "models" else collection.title()
        table[f"Projects_List{name}"] = list_all(collection, by_project=True)
    table.update(
        {
            "Datasets_ListSupportedLocales": dataset_locales,
            "Transcriptions_ListSupportedLocales": transcription_locales,
            "Datasets_UploadBlock": upload_block,
            "Datasets_GetBlocks": get_blocks,
            "Datasets_CommitBlocks": commit_blocks,
            "Datasets_Upload": upload_dataset,
            "Models_Create": create("models"),
            "Models_GetCustomModel": get("models"),
            "Models_ListCustomModels": list_all("models"),
            "Models_Update": update("models"),
            "Models_Delete": delete("models"),
            "Models_ListFiles": list_files("models"),
            "Models_GetFile": get_file("models"),
            "Models_ListSupportedLocales": locales,
            "Models_ListBaseModels": list_base_models,
            "Models_GetBaseModel": get_base_model,
            "Models_GetCustomModelManifest": custom_model_manifest,
            "Models_GetBaseModelManifest": base_model_manifest,
            "Models_CopyTo": copy_model,
            "Endpoints_ListLogs": list_logs,
            "Endpoints_ListBaseModelLogs": list_logs,
            "Endpoints_GetLog": missing_log,
            "Endpoints_GetBaseModelLog": missing_log,
            "Endpoints_DeleteLog": missing_log,
            "Endpoints_DeleteBaseModelLog": missing_log,
            "Endpoints_DeleteLogs": delete_logs,
            "Endpoints_DeleteBaseModelLogs": delete_logs,
            "WebHooks_Ping": ping,
            "WebHooks_Test": test_hook,
            "ServiceHealth_Get": health,
        }
    )
    del table["WebHooks_ListSupportedLocales"]
    return table


HANDLERS = _handlers()

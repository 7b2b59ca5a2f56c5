"""What the emulated service does with entities: create them, run them through their
lifecycle (NotStarted -> Running -> Succeeded or Failed), and produce their files."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import attrs

from .._generated.v3_1 import models as m
from .._generated.v2025_10_15 import models as ga
from ..models import converter
from ._blob import BlobStore
from ._errors import bad_request
from ._hooks import Notifier
from ._results import transcription_report, transcription_result
from ._store import Block, Record, Store, StoredFile, now
from ._versions import INTERNAL, dialects

# Entities with a processing lifecycle, and the web hook event prefix of each.
EVENTS = {
    "datasets": "dataset",
    "models": "model",
    "evaluations": "evaluation",
    "transcriptions": "transcription",
    "endpoints": "endpoint",
}
LOCALES = ("de-DE", "en-GB", "en-US", "es-ES", "fr-FR", "ja-JP")
# Content URLs (or dataset URLs) containing this marker fail processing: a way to test failures.
FAIL_MARKER = "fail"
# File kind of a dataset's uploaded data, by dataset kind.
_DATA_FILE_KIND = {
    "Language": "LanguageData",
    "Pronunciation": "PronunciationData",
    "Acoustic": "AcousticDataArchive",
    "AudioFiles": "Audio",
    "LanguageMarkdown": "LanguageData",
}


# The properties class of each entity with a lifecycle (where a failure's error goes).
_PROPERTIES: dict[str, type] = {
    "datasets": m.DatasetProperties,
    "models": m.CustomModelProperties,
    "evaluations": m.EvaluationProperties,
    "transcriptions": m.TranscriptionProperties,
    "endpoints": m.EndpointProperties,
}


@attrs.frozen
class Options:
    """The emulator's knobs (see ``python -m speechrest.emulator --help``)."""

    key: str | None = None
    processing_seconds: float = 2.0
    processing_spread: float = 0.0  # each entity takes processing_seconds + uniform(0, spread)
    fault_rate: float = 0.0
    throttle_rate: float = 0.0
    latency_ms: float = 0.0
    seed: int | None = None


# A transcription's audio sources are write-only in every version ("will not be returned in
# a response"): kept for processing, left out of answers and callbacks.
WRITE_ONLY = ("contentUrls", "contentContainerUrl")


def wire(entity: Any) -> dict[str, Any]:
    data: dict[str, Any] = converter.unstructure(entity)
    return data


def shown(entity: Any) -> dict[str, Any]:
    """An entity's wire form as the service shows it: without its write-only properties."""
    data = wire(entity)
    for name in WRITE_ONLY:
        data.pop(name, None)
    return data


def status_of(record: Record) -> str:
    status = getattr(record.entity, "status", None)
    return str(getattr(status, "value", status))


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x00".join(parts).encode()).digest()[:8], "big")


class Service:
    """The state behind one emulator: entities, files, blocks, hooks and the lifecycle clock."""

    def __init__(self, options: Options, blob: BlobStore) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.store = Store(self.rng)
        self.blob = blob
        self.dialects = dialects()
        self.notifier = Notifier(lambda: list(self.store.all("webhooks")), wire, self._for_hook)
        self.spool = Path(tempfile.mkdtemp(prefix="speechrest-emulator-"))
        self.base_models = self._base_models()
        self.copy_authorizations: dict[str, ga.ModelCopyAuthorization] = {}

    def _for_hook(self, hook: Record, payload: dict[str, Any]) -> dict[str, Any]:
        """A callback body in the API version the hook was registered with."""
        version = getattr(hook.entity.properties, "api_version", None) or INTERNAL
        dialect = self.dialects.get(version, self.dialects[INTERNAL])
        rendered: dict[str, Any] = dialect.outbound(payload)
        return rendered

    async def close(self) -> None:
        await self.notifier.close()
        shutil.rmtree(self.spool, ignore_errors=True)

    # ------------------------------------------------------------------ entities

    def new_record(self, collection: str, entity: Any, api_base: str, path: str | None = None) -> Record:
        """Give ``entity`` an id, ``self`` (under ``path``, default the collection) and timestamps; store it."""
        record = Record(collection, self.store.new_id(), entity)
        entity.self_ = f"{api_base}/{path or collection}/{record.id}"
        if hasattr(entity, "created_date_time"):
            entity.created_date_time = record.created
        if hasattr(entity, "last_action_date_time"):
            entity.last_action_date_time = record.created
        if collection in EVENTS or collection in ("webhooks", "operations"):
            entity.status = m.Status.NOT_STARTED
        self.store.add(record)
        return record

    def touch(self, record: Record) -> None:
        """The entity changed: a new ``lastActionDateTime``, and its wire form is made again."""
        if hasattr(record.entity, "last_action_date_time"):
            record.entity.last_action_date_time = now()
        record.wire_cache = None

    def wire_of(self, record: Record) -> dict[str, Any]:
        if record.wire_cache is None:
            record.wire_cache = shown(record.entity)
        return record.wire_cache

    def event(self, record: Record, phase: str) -> None:
        """Tell subscribed hooks that ``record`` reached ``phase`` (Creation, Processing, ...)."""
        prefix = EVENTS.get(record.collection)
        if prefix is not None:
            self.notifier.notify(prefix + phase, shown(record.entity))

    def start(self, record: Record) -> None:
        """Schedule the lifecycle: Running after a fifth of the processing time, then the end."""
        loop = asyncio.get_running_loop()
        seconds = self.options.processing_seconds + self.rng.uniform(0, self.options.processing_spread)
        record.running_at = loop.time() + seconds * 0.2
        record.done_at = loop.time() + seconds
        loop.call_at(record.running_at, self._run, record)
        loop.call_at(record.done_at, self._finish, record)

    def spawn_challenge(self, hook: Record) -> None:
        """Validate a hook's URL in the background; it becomes Succeeded or Failed."""

        async def challenge() -> None:
            hook.entity.status = m.Status.RUNNING
            self.touch(hook)
            answered = await self.notifier.challenge(hook)
            if self._alive(hook):
                hook.entity.status = m.Status.SUCCEEDED if answered else m.Status.FAILED
                hook.entity.properties.error = (
                    None
                    if answered
                    else m.EntityError(
                        code="InvalidCallbackUri", message="The web hook URL did not answer the challenge."
                    )
                )
                self.touch(hook)

        self.notifier.spawn(challenge())

    def retry_after(self, record: Record) -> str | None:
        """Seconds until the entity may change, while it is not finished (fractions below 1 s)."""
        if status_of(record) not in ("NotStarted", "Running") or record.awaiting_blocks:
            return None
        now_ = asyncio.get_running_loop().time()
        # At least 0.05 s: a timer late under load must not turn a waiter into a busy loop.
        left = max(0.05, (record.running_at if now_ < record.running_at else record.done_at) - now_)
        return str(max(1, round(left))) if left >= 1 else f"{left:.2f}"

    def _alive(self, record: Record) -> bool:
        return self.store.find(record.collection, record.id) is record

    def _run(self, record: Record) -> None:
        if self._alive(record) and status_of(record) == "NotStarted":
            record.entity.status = m.Status.RUNNING
            self.touch(record)
            self.event(record, "Processing")

    def _finish(self, record: Record) -> None:
        if not self._alive(record) or status_of(record) not in ("NotStarted", "Running"):
            return
        self._run(record)
        finish = getattr(self, "_finish_" + record.collection)
        finish(record)
        if record.failure is None:
            record.entity.status = m.Status.SUCCEEDED
        else:
            record.entity.status = m.Status.FAILED
            code, message = record.failure
            entity = record.entity
            entity.properties = entity.properties or _PROPERTIES[record.collection]()
            entity.properties.error = m.EntityError(code=code, message=message)
        self.touch(record)
        self.event(record, "Completion")

    # ------------------------------------------------------------------ outputs by collection

    def add_file(
        self, record: Record, name: str, kind: str, data: bytes | None = None, path: Path | None = None
    ) -> StoredFile:
        size = len(data) if data is not None else (path.stat().st_size if path is not None else 0)
        stored = StoredFile(self.store.new_id(), name, kind, now(), size, data=data, path=path)
        record.files.append(stored)
        self.blob.add(stored)
        return stored

    def _finish_transcriptions(self, record: Record) -> None:
        t: m.Transcription = record.entity
        props = t.properties or m.TranscriptionProperties()
        t.properties = props
        sources = list(t.content_urls or [])
        if not sources:  # a container or a dataset: the emulator invents two audio files
            origin = t.content_container_url or (t.dataset.self_ if t.dataset else record.id)
            sources = [f"{origin.split('?')[0].rstrip('/')}/audio{i}.wav" for i in (1, 2)]
        outcomes: list[tuple[str, bool, str | None]] = []
        stamp = converter.unstructure(record.created, type(record.created))
        lid = props.language_identification
        speakers = props.diarization.speakers if props.diarization is not None else None
        for index, source in enumerate(sources):
            if FAIL_MARKER in source.lower():
                outcomes.append(
                    (source, False, "The audio could not be read (the emulator fails URLs containing 'fail').")
                )
                continue
            result = transcription_result(
                source,
                locale=t.locale,
                timestamp=stamp,
                channels=props.channels or (0, 1),
                diarization=bool(props.diarization_enabled or props.diarization),
                min_speakers=(speakers.min_count if speakers and speakers.min_count else 1),
                max_speakers=(speakers.max_count if speakers and speakers.max_count else 2),
                word_timestamps=bool(props.word_level_timestamps_enabled),
                display_words=bool(props.display_form_word_level_timestamps_enabled),
                candidate_locales=lid.candidate_locales if lid is not None else None,
            )
            self.add_file(record, f"contenturl_{index}.json", "Transcription", json.dumps(result, indent=2).encode())
            outcomes.append((source, True, None))
        report = transcription_report(t.self_ or "", outcomes)
        self.add_file(record, "report.json", "TranscriptionReport", json.dumps(report, indent=2).encode())
        props.duration = timedelta(seconds=round(self.options.processing_seconds, 3))
        if not any(ok for _, ok, _ in outcomes):
            record.failure = ("InvalidData", "None of the audio files could be transcribed.")

    def _finish_datasets(self, record: Record) -> None:
        d: m.Dataset = record.entity
        url = d.content_url or ""
        if FAIL_MARKER in url.lower():
            record.failure = ("InvalidData", "The data at the content URL could not be read.")
        if record.failure is not None:
            return
        data = [f for f in record.files if f.kind != "DatasetReport"]
        lines = sum(f.read().count(b"\n") for f in data if f.size < 8 * 1024 * 1024) or 1
        d.properties = d.properties or m.DatasetProperties()
        d.properties.accepted_line_count, d.properties.rejected_line_count = lines, 0
        report = {"acceptedLineCount": lines, "rejectedLineCount": 0, "files": [f.name for f in data]}
        self.add_file(record, "report.json", "DatasetReport", json.dumps(report).encode())

    def _finish_models(self, record: Record) -> None:
        model: m.CustomModel = record.entity
        model.properties = model.properties or m.CustomModelProperties()
        model.properties.features = m.CustomModelFeatures(
            supports_transcriptions=True, supports_endpoints=True, supports_transcriptions_on_speech_containers=False
        )
        model.properties.deprecation_dates = m.CustomModelDeprecationDates(
            transcription_date_time=record.created + timedelta(days=730)
        )
        report = {"model": model.self_, "datasets": [ref.self_ for ref in model.datasets or []]}
        self.add_file(record, "report.json", "ModelReport", json.dumps(report).encode())

    def _finish_evaluations(self, record: Record) -> None:
        e: m.Evaluation = record.entity
        seed = _digest(e.model1.self_, e.model2.self_, e.dataset.self_)
        wer1, wer2 = (seed % 2000) / 10000, (seed // 2000 % 2000) / 10000
        e.properties = e.properties or m.EvaluationProperties()
        p = e.properties
        p.word_error_rate1, p.word_error_rate2 = wer1, wer2
        p.sentence_count1 = p.sentence_count2 = 100
        p.word_count1 = p.word_count2 = 1000
        p.correct_word_count1, p.correct_word_count2 = round(1000 * (1 - wer1)), round(1000 * (1 - wer2))
        p.word_substitution_count1 = p.word_substitution_count2 = 0
        p.word_deletion_count1, p.word_deletion_count2 = round(1000 * wer1), round(1000 * wer2)
        p.word_insertion_count1 = p.word_insertion_count2 = 0
        p.sentence_error_rate1, p.sentence_error_rate2 = min(1.0, wer1 * 3), min(1.0, wer2 * 3)
        details = {"wordErrorRate1": wer1, "wordErrorRate2": wer2}
        self.add_file(record, "evaluation.json", "EvaluationDetails", json.dumps(details).encode())

    def _finish_endpoints(self, record: Record) -> None:
        pass  # an endpoint's links are set at creation; it only has to become ready

    def _finish_operations(self, record: Record) -> None:
        """A model copy ends with the copy: a new model that is ready at once."""
        source = record.copy_of
        assert source is not None
        api_base = record.entity.self_.split("/operations/", 1)[0]
        copy = attrs.evolve(source.entity, links=None, status=m.Status.SUCCEEDED)
        model = self.new_record("models", copy, api_base)
        copy.status = m.Status.SUCCEEDED
        base = copy.self_
        copy.links = m.CustomModelLinks(copy_to=f"{base}:copyto", files=f"{base}/files", manifest=f"{base}/manifest")
        for stored in source.files:
            self.add_file(model, stored.name, stored.kind, data=stored.read())
        record.entity.result = ga.OperationResult(link=base)

    # ------------------------------------------------------------------ blocks

    async def store_block(self, record: Record, block_id: str, body: aiohttp.StreamReader, limit: int) -> None:
        """Spool a block to disk as it arrives (a block replaces one with the same id)."""
        folder = self.spool / record.id
        folder.mkdir(exist_ok=True)
        path = folder / f"block-{hashlib.sha256(block_id.encode()).hexdigest()}"
        partial = path.with_suffix(".part")
        size = 0
        try:
            with partial.open("wb") as out:
                async for chunk in body.iter_chunked(256 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise bad_request(f"A block is at most {limit} bytes.", "InvalidParameterValue")
                    out.write(chunk)
        except BaseException:  # too big, or the client hung up: nothing is kept
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)
        record.blocks[block_id] = Block(path, size)

    def commit_blocks(self, record: Record, entries: Iterable[m.CommitBlocksEntry]) -> None:
        """Assemble the listed blocks, in order, into the dataset's file and start processing."""
        ids = [entry.id or "" for entry in entries]
        missing = [i for i in ids if i not in record.blocks]
        dataset: m.Dataset = record.entity
        target = self.spool / f"{record.id}.data"
        if missing:
            record.failure = ("InvalidData", f"The block list names {len(missing)} block(s) that were not uploaded.")
        else:
            with target.open("wb") as out:
                for block_id in ids:
                    with record.blocks[block_id].path.open("rb") as part:
                        shutil.copyfileobj(part, out, 1024 * 1024)
            kind = str(getattr(dataset.kind, "value", dataset.kind))
            self.add_file(record, _data_file_name(dataset), _DATA_FILE_KIND.get(kind, "LanguageData"), path=target)
        for block_id in ids:
            if block_id in record.blocks:
                record.committed.append((block_id, record.blocks[block_id].size))
        for block in record.blocks.values():
            block.path.unlink(missing_ok=True)
        record.blocks.clear()
        record.awaiting_blocks = False
        self.touch(record)
        self.start(record)

    def add_upload(self, record: Record, path: Path) -> None:
        dataset: m.Dataset = record.entity
        kind = str(getattr(dataset.kind, "value", dataset.kind))
        self.add_file(record, _data_file_name(dataset), _DATA_FILE_KIND.get(kind, "LanguageData"), path=path)

    # ------------------------------------------------------------------ catalogue

    def _base_models(self) -> dict[str, m.BaseModel]:
        """A fixed catalogue: two base models per locale, with ids stable across runs."""
        catalogue = {}
        for locale in LOCALES:
            for index, name in enumerate(("20240115", "20250301")):
                model_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"speechrest-emulator/base/{locale}/{index}"))
                catalogue[model_id] = m.BaseModel(
                    display_name=f"{name} (base)",
                    locale=locale,
                    status=m.Status.SUCCEEDED,
                    properties=m.BaseModelProperties(
                        features=m.BaseModelFeatures(
                            supports_transcriptions=True,
                            supports_endpoints=True,
                            supports_transcriptions_on_speech_containers=False,
                            supports_adaptations_with=[m.DatasetKind.LANGUAGE, m.DatasetKind.ACOUSTIC],
                        ),
                    ),
                )
        return catalogue


def _data_file_name(dataset: m.Dataset) -> str:
    kind = str(getattr(dataset.kind, "value", dataset.kind))
    return "data.zip" if kind in ("Acoustic", "AudioFiles") else "data.txt"

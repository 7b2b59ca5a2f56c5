"""Commands that run jobs: ``transcribe``, ``results``, ``wait`` and ``transcribe-file``."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._client import SpeechClient
from .._core.arguments import MAX_CONTENT_URLS
from .._logging import redact_url
from ..errors import InvalidArgumentError, JobFailedError, SpeechError
from ..waiting import _id_of
from ._connect import connect, connection_argv
from ._display import WaitDisplay
from ._files import ResultWriter, file_stem
from ._kinds import KINDS, SUMMARY_FITS, SUMMARY_HEADERS, Kind, entity_id, summary_row, wire
from ._output import CommandError, Output

__all__ = ["last_states", "report_errors", "results", "transcribe", "transcribe_file", "wait", "wait_for"]

_TRANSCRIPTIONS = KINDS["transcriptions"]
_V3 = ("v3.0", "v3.1")


def _content_urls(args: argparse.Namespace) -> list[str]:
    """The audio URLs given as arguments and in ``--from-file`` (one a line, ``-``: stdin)."""
    urls = list(args.urls)
    if args.from_file:
        text = sys.stdin.read() if args.from_file == "-" else Path(args.from_file).read_text(encoding="utf-8")
        urls += [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not urls:
        raise CommandError(f"no audio URLs in {'stdin' if args.from_file == '-' else args.from_file}")
    for url in urls:
        if not url.startswith(("https://", "http://")):
            raise InvalidArgumentError(f"{url!r} is not an http(s) URL; batch transcription reads audio from URLs")
    return urls


def _definition(api_version: str, args: argparse.Namespace, urls: Sequence[str]) -> dict[str, Any]:
    """The transcription's settings in the wire form of ``api_version`` (without its URLs)."""
    properties: dict[str, Any] = {}
    if args.words:
        properties["wordLevelTimestampsEnabled"] = True
    speakers = args.max_speakers
    if api_version in _V3:
        properties["timeToLive"] = f"PT{args.ttl_hours}H"
        if args.diarization or speakers:
            properties["diarizationEnabled"] = True
        if speakers and api_version == "v3.0":
            raise InvalidArgumentError("--max-speakers needs API version v3.1 or later")
        if speakers:
            properties["diarization"] = {"speakers": {"minCount": 1, "maxCount": speakers}}
    else:
        properties["timeToLiveHours"] = args.ttl_hours
        if args.diarization or speakers:
            properties["diarization"] = {"enabled": True, **({"maxSpeakers": speakers} if speakers else {})}
    more = f" and {len(urls) - 1} more" if len(urls) > 1 else ""
    name = args.name or f"speechrest: {file_stem(urls[0])}{more}"
    return {"displayName": name, "locale": args.locale, "properties": properties}


def _created(entity: Any, count: int) -> str:
    return f"transcription {entity.id} created ({count} audio file{'s' * (count != 1)})"


def _batch_sizes(urls: Sequence[str]) -> list[int]:
    """How many URLs each transcription of ``create_many`` got (the service never shows them)."""
    return [min(MAX_CONTENT_URLS, len(urls) - start) for start in range(0, len(urls), MAX_CONTENT_URLS)]


async def transcribe(args: argparse.Namespace, out: Output) -> int:
    """Submit transcriptions (one per 1,000 URLs) and print their ids; with ``--wait``, wait
    and write their results."""
    async with connect(args) as client:
        urls = _content_urls(args)
        if args.wait:
            _writer(args, out).check(urls)
        created = await client.transcriptions.create_many(urls, _definition(client.api_version, args, urls))
        for entity, count in zip(created, _batch_sizes(urls), strict=True):
            out.note(_created(entity, count))
        if args.wait:
            return await _finish(client, out, args, created)
        document = {"transcriptions": [wire(client, t) for t in created], "files": [], "failures": []}
        out.emit(document, lambda: out.line("\n".join(t.id for t in created)))
    return 0


def _writer(args: argparse.Namespace, out: Output) -> ResultWriter:
    """The writer of ``--format``, ``--out`` and ``--overwrite``."""
    return ResultWriter(args.out or ".", args.format or ["text"], out.out.file, out.note, overwrite=args.overwrite)


async def results(args: argparse.Namespace, out: Output) -> int:
    """Wait for transcriptions if need be, and write their results."""
    ids = [entity_id(_TRANSCRIPTIONS, text) for text in args.ids]
    async with connect(args) as client:
        return await _finish(client, out, args, ids)


async def _finish(client: SpeechClient, out: Output, args: argparse.Namespace, transcriptions: list[Any]) -> int:
    """Wait for the transcriptions, write each audio file's result, report what failed."""
    ids = [_id_of(t) for t in transcriptions]
    writing = [
        *(["--format", ",".join(args.format)] if args.format else []),
        *(["--out", args.out] if args.out else []),
        *(["--overwrite"] if args.overwrite else []),
    ]
    command = ["speechrest", *connection_argv(args), "results", *ids, *writing]
    out.hint = "the transcriptions go on; get their results with: " + shlex.join(command)
    outcomes = await wait_for(client, _TRANSCRIPTIONS, transcriptions, out, args)
    out.hint = None  # they have ended
    writer = _writer(args, out)
    files: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for outcome in outcomes:
        if isinstance(outcome, SpeechError):
            continue
        async for result in client.transcriptions.results(outcome):
            files.append({"source": result.source, "paths": writer.write(result, result.source)})
        report = await client.transcriptions.report(outcome)
        failures += [
            {"source": e.source, "errorKind": e.error_kind, "errorMessage": e.error_message} for e in report.failed
        ]
    states = await last_states(client, _TRANSCRIPTIONS, outcomes)

    def human() -> None:
        if args.out != "-":
            _show_jobs(client, out, states)

    out.emit({"transcriptions": [wire(client, s) for s in states], "files": files, "failures": failures}, human)
    for failure in failures:
        source, kind, message = (failure[k] or "" for k in ("source", "errorKind", "errorMessage"))
        out.error(f"{redact_url(source)}: {kind or 'Failed'}: {message or 'no message'}")
    return report_errors(out, outcomes) or int(bool(failures))


async def wait(args: argparse.Namespace, out: Output) -> int:
    """Wait for jobs of one kind to end; show how each ended."""
    kind: Kind = args.kind
    ids = [entity_id(kind, text) for text in args.ids]
    async with connect(args) as client:
        outcomes = await wait_for(client, kind, ids, out, args)
        states = await last_states(client, kind, outcomes)
        out.emit([wire(client, s) for s in states], lambda: _show_jobs(client, out, states))
    return report_errors(out, outcomes)


async def wait_for(
    client: SpeechClient, kind: Kind, jobs: Sequence[Any], out: Output, args: argparse.Namespace
) -> list[Any]:
    """How each job ended (the entity, or its ``JobFailedError`` or ``WaitTimeoutError``), in order."""
    order = [_id_of(job) for job in jobs]
    ended: dict[str, Any] = {}
    group = getattr(client, kind.group)
    with WaitDisplay(out.err, kind.name, len(order)) as display:
        async for outcome in group.as_completed(jobs, timeout=args.timeout, poll_interval=args.poll_interval):
            failed = isinstance(outcome, SpeechError)
            display.record("Failed" if isinstance(outcome, JobFailedError) else "timed out" if failed else "Succeeded")
            ended[_id_of(outcome.entity if failed else outcome)] = outcome
    return [ended[entity_id] for entity_id in order]


async def last_states(client: SpeechClient, kind: Kind, outcomes: Sequence[Any]) -> list[Any]:
    """The last known state of each job (asked for when a wait ended before seeing one)."""
    states = []
    for outcome in outcomes:
        state = getattr(outcome, "entity", outcome) if isinstance(outcome, SpeechError) else outcome
        states.append(await kind.call(client, kind.get)(state) if isinstance(state, str) else state)
    return states


def _show_jobs(client: SpeechClient, out: Output, states: Sequence[Any]) -> None:
    out.table(SUMMARY_HEADERS, [summary_row(client, state) for state in states], SUMMARY_FITS)


def report_errors(out: Output, outcomes: Sequence[Any]) -> int:
    """An error line for each job that failed or timed out; the exit code."""
    errors = [outcome for outcome in outcomes if isinstance(outcome, SpeechError)]
    for error in errors:
        out.error(str(error))
    return 1 if errors else 0


async def transcribe_file(args: argparse.Namespace, out: Output) -> int:
    """Fast transcription of local files (or URLs on 2025-10-15): results at once, no job."""
    diarization = args.max_speakers or args.diarization or None
    writer = _writer(args, out)
    writer.check(args.sources)
    entries: list[dict[str, Any]] = []
    async with connect(args) as client:
        for source in args.sources:
            settings: dict[str, Any] = {"locales": args.locale, "diarization": diarization}
            if source.startswith(("https://", "http://")):
                result = await client.transcriptions.transcribe_from_url(source, **settings)
            else:
                result = await client.transcriptions.transcribe(source, **settings)
            entries.append({"source": source, "paths": writer.write(result, source), "result": result.to_dict()})
    out.emit(entries, lambda: None)
    return 0

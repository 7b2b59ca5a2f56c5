"""The ``speechrest`` command line, run as a user runs it: a subprocess against an emulator
(itself a subprocess), checking outputs, files written, exit codes and error lines."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_run import KEY, Service, cli, environment, start_emulator, stop_emulator

from speechrest import SpeechClient
from speechrest.errors import AmbiguousCreateError
from speechrest.models import converter
from speechrest.upload import BlockUploader

BLOCK = 64 * 1024
TOKEN_KEY = AmbiguousCreateError.TOKEN_KEY


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    running = start_emulator("--processing-seconds", "0.2")
    yield running
    stop_emulator(running)


def created_id(line: str) -> str:
    """The id in "transcription ID created ..." or "dataset ID created ..."."""
    return line.split()[1]


def wire(entity: Any) -> Any:
    """An entity as the command line's --json shows it: the service's fields, and its id first."""
    return {"id": entity.id, **converter.unstructure(entity)}


# ---------------------------------------------------------------- transcriptions


def test_transcribe_wait_writes_every_format_under_safe_distinct_names(service: Service, tmp_path: Path) -> None:
    urls = [
        "https://a.example.com/audio/call.wav",
        "https://b.example.com/audio/CALL.wav",  # the same name: written as call-2
        "https://c.example.com/audio/..%2F..%2Fevil.wav?sig=secret",  # no way out of --out
        "https://d.example.com/%2E%2E",  # a name of dots only: "audio"
    ]
    done = cli(
        service,
        "transcribe",
        *urls,
        "--locale=en-US",
        "--diarization",
        "--words",
        "--wait",
        "--poll-interval=0.1",
        "--format=text,srt,vtt,json",
        "--out=out",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    first, *wrote = done.stderr.splitlines()  # status lines only: no live display, stderr is not a terminal
    assert first.startswith("transcription ") and first.endswith("created (4 audio files)")
    transcription_id = created_id(first)
    header, row = done.stdout.splitlines()  # the jobs, as they ended
    assert header.split() == ["ID", "STATUS", "CREATED", "LOCALE", "NAME"]
    assert row.split()[:2] == [transcription_id, "Succeeded"]

    stems = {"call", "CALL-2", "evil", "audio"}
    assert {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")} == {"out"} | {
        f"out/{stem}{ext}" for stem in stems for ext in (".txt", ".srt", ".vtt", ".json")
    }
    assert sorted(wrote) == sorted(
        f"wrote out/{stem}{ext}" for stem in stems for ext in (".txt", ".srt", ".vtt", ".json")
    )

    async def results(client: SpeechClient) -> dict[str | None, Any]:
        return {r.source: r async for r in client.transcriptions.results(transcription_id)}

    by_source = service.sdk(results)
    assert set(by_source) == set(urls)
    for stem in stems:
        raw = json.loads((tmp_path / "out" / f"{stem}.json").read_text(encoding="utf-8"))
        result = by_source[raw["source"]]
        assert raw == result.to_dict()
        assert (tmp_path / "out" / f"{stem}.txt").read_text(encoding="utf-8") == result.text() + "\n"
        assert (tmp_path / "out" / f"{stem}.srt").read_text(encoding="utf-8") == result.to_srt()
        vtt = (tmp_path / "out" / f"{stem}.vtt").read_text(encoding="utf-8")
        assert vtt == result.to_webvtt() and "<v Speaker" in vtt
    assert by_source[urls[0]].speakers and by_source[urls[0]].phrases[0].best.words  # --diarization, --words


def test_transcribe_json_get_and_wait_match_the_service(service: Service, tmp_path: Path) -> None:
    submitted = cli(service, "--json", "transcribe", "https://x.example.com/a.wav", "--locale", "de-DE", cwd=tmp_path)
    assert submitted.returncode == 0, submitted.stderr
    document = json.loads(submitted.stdout)
    assert document["files"] == [] and document["failures"] == []
    [created] = document["transcriptions"]
    assert created["locale"] == "de-DE" and "contentUrls" not in created  # write-only: never shown
    assert created["properties"]["timeToLiveHours"] == 48
    transcription_id = created["id"]
    assert created["self"].split("?")[0].endswith("/transcriptions/" + transcription_id)
    assert submitted.stderr == f"transcription {transcription_id} created (1 audio file)\n"

    waited = cli(service, "wait", transcription_id, "--poll-interval", "0.1", "--json", cwd=tmp_path)
    assert waited.returncode == 0, waited.stderr
    [final] = json.loads(waited.stdout)
    assert final["status"] == "Succeeded"
    assert final == wire(service.sdk(lambda client: client.transcriptions.get(transcription_id)))

    shown = cli(service, "get", "transcription", transcription_id, "--json", cwd=tmp_path)
    assert json.loads(shown.stdout) == final
    assert TOKEN_KEY in final["customProperties"]  # as the service holds it
    human = cli(service, "get", "transcriptions", transcription_id, cwd=tmp_path)
    assert (human.returncode, human.stderr) == (0, "")
    lines = human.stdout.splitlines()
    fields = [line.split() for line in lines]
    assert fields[0] == ["id", transcription_id]
    assert ["locale", "de-DE"] in fields and ["properties.timeToLiveHours", "48"] in fields
    assert not any("customProperties" in line for line in lines)  # the SDK's token was all there was
    assert all(line == line.rstrip() for line in lines)  # plain text: no padding after the last column


def test_transcribe_over_1000_urls_from_stdin_splits(service: Service, tmp_path: Path) -> None:
    urls = [f"https://audio.example.com/many/{n}.wav" for n in range(1001)]
    stdin = "# one URL a line\n" + "\n".join(urls) + "\n\n"
    done = cli(
        service, "transcribe", "--from-file", "-", "--locale", "en-US", "--name", "bulk", stdin=stdin, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stderr.splitlines()
    assert first.endswith("created (1000 audio files)") and second.endswith("created (1 audio file)")
    assert done.stdout.splitlines() == [created_id(first), created_id(second)]  # the ids alone

    async def names(client: SpeechClient) -> list[str]:
        return [(await client.transcriptions.get(line)).display_name for line in done.stdout.splitlines()]

    assert service.sdk(names) == ["bulk (1/2)", "bulk (2/2)"]


def test_failed_audio_and_failed_jobs_are_error_lines(service: Service, tmp_path: Path) -> None:
    mixed = cli(
        service,
        "transcribe",
        "https://ok.example.com/good.wav",
        "https://bad.example.com/fail.wav?sig=secret",
        "--locale=en-US",
        "--wait",
        "--poll-interval=0.1",
        cwd=tmp_path,
    )
    assert mixed.returncode == 1
    assert (tmp_path / "good.txt").is_file() and not (tmp_path / "fail.txt").exists()
    created, *rest = mixed.stderr.splitlines()
    assert rest == [
        "wrote good.txt",
        "error: https://bad.example.com/fail.wav?sig=REDACTED: InvalidData: "
        "The audio could not be read (the emulator fails URLs containing 'fail').",
    ]
    assert mixed.stdout.splitlines()[1].split()[:2] == [created_id(created), "Succeeded"]

    async def failing(client: SpeechClient) -> Any:
        body = {"displayName": "f", "locale": "en-US", "contentUrls": ["https://x.example.com/fail.wav"]}
        return await client.transcriptions.create({**body, "properties": {"timeToLiveHours": 6}})

    job = service.sdk(failing)
    waited = cli(service, "wait", job.id, "--poll-interval=0.1", cwd=tmp_path)
    assert waited.returncode == 1
    assert (
        waited.stderr
        == f"error: transcription {job.id} failed: InvalidData: None of the audio files could be transcribed.\n"
    )
    assert "Failed" in waited.stdout.splitlines()[1]


def test_out_dash_prints_one_document_and_nothing_else(service: Service, tmp_path: Path) -> None:
    urls = ["https://a.example.com/first.wav", "https://a.example.com/second.wav"]
    wait = ["--locale=en-US", "--wait", "--poll-interval=0.1"]
    printed = cli(service, "transcribe", *urls, *wait, "--out", "-", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    [created] = printed.stderr.splitlines()  # the status line; the jobs' table is left out
    transcription_id = created_id(created)

    async def results(client: SpeechClient) -> list[Any]:
        return [result async for result in client.transcriptions.results(transcription_id)]

    first, second = service.sdk(results)
    assert printed.stdout == first.text() + "\n" + second.text() + "\n"  # transcripts follow one another

    sent = service.requests("Transcriptions_Submit")
    refused = cli(service, "transcribe", *urls, *wait, "--format=srt", "--out=-", cwd=tmp_path)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == (
        "error: --out - prints the srt of one audio file only, and there are more: write them with --out DIR\n"
    )
    assert service.requests("Transcriptions_Submit") == sent  # refused before anything was paid for
    late = cli(service, "results", transcription_id, "--format=vtt", "--out=-", cwd=tmp_path)  # told at the 2nd
    assert (late.returncode, late.stdout) == (1, first.to_webvtt())  # one whole document
    assert late.stderr == refused.stderr.replace("srt", "vtt")

    mixed = cli(service, "results", transcription_id, "--format=text,srt", "--out=-", cwd=tmp_path)
    assert (mixed.returncode, mixed.stdout) == (2, "")
    assert mixed.stderr.splitlines()[-1] == (
        "speechrest results: error: --out - prints one format, as one document: give one --format, "
        "or write files with --out DIR"
    )
    no_audio = cli(service, "transcribe", "--locale=en-US", cwd=tmp_path)
    assert (no_audio.returncode, no_audio.stdout) == (2, "")
    assert no_audio.stderr.splitlines()[-1] == (
        "speechrest transcribe: error: no audio: give audio URLs, or --from-file FILE with one URL a line"
    )


# ---------------------------------------------------------------- ls, get, delete, errors


def test_ls_top_and_filter(service: Service, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]

    async def create(client: SpeechClient) -> list[Any]:
        body = {"locale": "en-US", "contentUrls": ["https://x.example.com/a.wav"], "properties": {"timeToLiveHours": 6}}
        return [await client.transcriptions.create({**body, "displayName": f"{tag}-{n}"}) for n in range(3)]

    made = service.sdk(create)
    top = cli(service, "ls", "transcriptions", "--top", "2", "--json", cwd=tmp_path)
    assert top.returncode == 0 and len(json.loads(top.stdout)) == 2

    filtered = cli(service, "ls", "transcriptions", "--filter", f"displayName eq '{tag}-1'", cwd=tmp_path)
    assert filtered.returncode == 0, filtered.stderr
    header, row = filtered.stdout.splitlines()
    assert header.split() == ["ID", "STATUS", "CREATED", "LOCALE", "NAME"]
    assert row.split()[0] == made[1].id and row.endswith(f"{tag}-1")


def test_delete_then_404_line_and_debug_traceback(service: Service, tmp_path: Path) -> None:
    async def create(client: SpeechClient) -> Any:
        return await client.datasets.create({"displayName": "gone", "locale": "en-US", "kind": "Language"})

    dataset_id = service.sdk(create).id
    deleted = cli(service, "delete", "datasets", dataset_id, cwd=tmp_path)
    assert (deleted.returncode, deleted.stdout, deleted.stderr) == (0, "", f"deleted dataset {dataset_id}\n")

    missing = cli(service, "get", "datasets", dataset_id, cwd=tmp_path)
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.splitlines() == [f"error: NotFound (404): The dataset with id '{dataset_id}' does not exist."]

    debug = cli(service, "--debug", "get", "datasets", dataset_id, cwd=tmp_path)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr and "NotFoundError" in debug.stderr
    assert "DEBUG speechrest: GET" in debug.stderr and KEY not in debug.stderr  # the SDK's log, redacted
    assert debug.stderr.splitlines()[-1] == missing.stderr.strip()


def test_delete_goes_on_past_failures_reporting_each(service: Service, tmp_path: Path) -> None:
    async def hooks(client: SpeechClient) -> list[Any]:
        body = {"displayName": "h", "webUrl": "http://127.0.0.1:9/hook", "events": {"transcriptionCompletion": True}}
        return [await client.web_hooks.create(body) for _ in range(2)]

    first, second = (hook.id for hook in service.sdk(hooks))
    missing = str(uuid.uuid4())
    done = cli(service, "delete", "web-hooks", first, missing, "not-an-id", second, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [
        f"deleted web hook {first}",
        f"error: web hook {missing}: NotFound (404): The webhook with id '{missing}' does not exist.",
        "error: web hook not-an-id: 'not-an-id' is not a web hook id (ids are UUIDs, as `speechrest ls` shows)",
        f"deleted web hook {second}",
    ]

    again = cli(service, "--json", "delete", "web-hooks", first, second, cwd=tmp_path)
    gone = {hook: f"NotFound (404): The webhook with id '{hook}' does not exist." for hook in (first, second)}
    assert again.returncode == 1
    assert again.stderr.splitlines() == [f"error: web hook {hook}: {why}" for hook, why in gone.items()]
    assert json.loads(again.stdout) == [
        {"id": hook, "deleted": False, "status": 404, "error": why} for hook, why in gone.items()
    ]


def test_delete_of_a_missing_dataset_is_done(service: Service, tmp_path: Path) -> None:
    """The service answers 204 for a dataset that does not exist: nothing failed."""

    async def create(client: SpeechClient) -> Any:
        return await client.datasets.create({"displayName": "d", "locale": "en-US", "kind": "Language"})

    dataset_id, missing = service.sdk(create).id, str(uuid.uuid4())
    done = cli(service, "delete", "datasets", dataset_id, missing, "--json", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, f"deleted dataset {dataset_id}\ndeleted dataset {missing}\n")
    assert json.loads(done.stdout) == [{"id": dataset_id, "deleted": True}, {"id": missing, "deleted": True}]


def test_bad_id_is_refused_before_any_request_and_bad_usage_exits_2(service: Service, tmp_path: Path) -> None:
    before = service.stats()["total"]
    bad = cli(service, "get", "transcriptions", "../datasets", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr == "error: '../datasets' is not a transcription id (ids are UUIDs, as `speechrest ls` shows)\n"
    assert service.stats()["total"] == before

    usage = cli(service, "delete", "base-models", str(uuid.uuid4()), cwd=tmp_path)
    assert usage.returncode == 2 and "'base-models' is not one of: transcriptions" in usage.stderr


# ---------------------------------------------------------------- datasets upload


def dataset_bytes(service: Service, dataset_id: str) -> bytes:
    async def read(client: SpeechClient) -> bytes:
        [file] = await client.datasets.list_files(dataset_id, filter="kind eq 'LanguageData'").to_list()
        assert file.links is not None and file.links.content_url is not None
        return await client.download(file.links.content_url)

    return service.sdk(read)


def test_upload_prints_the_id_first_and_commits(service: Service, tmp_path: Path) -> None:
    data = os.urandom(5 * BLOCK + 123)
    (tmp_path / "corpus.txt").write_bytes(data)
    done = cli(
        service,
        "datasets",
        "upload",
        "corpus.txt",
        "--locale=en-US",
        "--kind=Language",
        "--block-size=64KiB",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    first, last = done.stderr.splitlines()
    dataset_id = created_id(first)
    assert done.stdout == dataset_id + "\n"
    assert first == (
        f"dataset {dataset_id} created; if the upload stops, resume with: speechrest datasets upload corpus.txt "
        f"--locale=en-US --kind=Language --block-size=64KiB --resume {dataset_id}"
    )
    assert last.startswith(f"dataset {dataset_id} uploaded: ")
    shown = cli(service, "--json", "get", "datasets", dataset_id, cwd=tmp_path)
    assert json.loads(shown.stdout)["displayName"] == "corpus.txt"
    assert dataset_bytes(service, dataset_id) == data


def test_resume_sends_only_the_missing_blocks(service: Service, tmp_path: Path) -> None:
    data = os.urandom(6 * BLOCK)
    (tmp_path / "corpus.txt").write_bytes(data)

    async def half_done(client: SpeechClient) -> str:
        dataset = await client.datasets.create({"displayName": "half", "locale": "en-US", "kind": "Language"})
        for index in range(2):
            chunk = data[index * BLOCK : (index + 1) * BLOCK]
            block_id = BlockUploader.block_id(index, chunk, block_size=BLOCK, total=len(data))
            await client.datasets.upload_block(dataset.id, block_id, chunk)
        return str(dataset.id)

    dataset_id = service.sdk(half_done)
    sent = service.requests("Datasets_UploadBlock")
    argv = ["upload", "corpus.txt", "--locale", "en-US", "--kind", "Language", "--block-size", "65536"]
    done = cli(
        service, "--json", "datasets", *argv, "--resume", dataset_id, "--wait", "--poll-interval=0.1", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    dataset = json.loads(done.stdout)  # nothing else on stdout: the id went to stderr
    assert dataset["id"] == dataset_id and dataset["status"] == "Succeeded"
    assert done.stderr.startswith(f"dataset {dataset_id} resuming; if the upload stops, resume with: ")
    assert service.requests("Datasets_UploadBlock") - sent == 4
    assert dataset_bytes(service, dataset_id) == data


@pytest.fixture(scope="module")
def slow_service() -> Iterator[Service]:
    """An emulator slow enough to interrupt: 100 ms per request, 30 s per job."""
    running = start_emulator("--latency-ms", "100", "--processing-seconds", "30")
    yield running
    stop_emulator(running)


def interrupted(
    service: Service, argv: list[str], cwd: Path, ready: Callable[[], bool] = lambda: True
) -> tuple[str, Any]:
    """Start ``speechrest ARGV``, read its first line on stderr, press Ctrl-C once ``ready()``: that
    line and (exit code, stdout, the rest of stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "speechrest.cli", *argv],
        cwd=cwd,
        env=environment(service.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    first = process.stderr.readline()
    deadline = time.monotonic() + 10
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=20)
    return first, (process.returncode, stdout, stderr)


def test_ctrl_c_during_upload_says_how_to_resume(slow_service: Service, tmp_path: Path) -> None:
    data = os.urandom(40 * BLOCK)
    (tmp_path / "big.bin").write_bytes(data)
    argv = [
        "datasets",
        "upload",
        "big.bin",
        "--locale=en-US",
        "--kind=Language",
        "--block-size=64KiB",
        "--concurrency=1",
    ]
    sent = slow_service.requests("Datasets_UploadBlock")
    first, outcome = interrupted(
        slow_service, argv, tmp_path, lambda: slow_service.requests("Datasets_UploadBlock") >= sent + 2
    )
    dataset_id = created_id(first)  # printed before the first block goes
    resume = f"speechrest {shlex.join(argv)} --resume {dataset_id}"
    assert outcome == (130, "", f"interrupted; resume with: {resume}\n")

    again = cli(slow_service, *shlex.split(resume)[1:], "--concurrency=8", cwd=tmp_path)  # the last one counts
    assert again.returncode == 0, again.stderr
    assert dataset_bytes(slow_service, dataset_id) == data


def test_ctrl_c_while_waiting_says_how_to_get_the_results(slow_service: Service, tmp_path: Path) -> None:
    argv = ["--api-version=v3.1", "transcribe", "https://a.example.com/x.wav", "--locale=en-US", "--wait", "--out=res"]
    first, outcome = interrupted(slow_service, argv, tmp_path)  # the first line is out: it is waiting
    transcription_id = created_id(first)
    command = f"speechrest --api-version v3.1 results {transcription_id} --out res"
    assert outcome == (130, "", f"interrupted; the transcriptions go on; get their results with: {command}\n")


# ---------------------------------------------------------------- fast transcription, emulator, Entra


def test_transcribe_file_on_ga_versions_and_a_clear_line_on_v3(service: Service, tmp_path: Path) -> None:
    (tmp_path / "one.wav").write_bytes(b"RIFF first audio")
    (tmp_path / "two.wav").write_bytes(b"RIFF second audio")

    async def expected(client: SpeechClient) -> list[Any]:
        return [
            await client.transcriptions.transcribe(tmp_path / name, locales=["en-US"])
            for name in ("one.wav", "two.wav")
        ]

    one, two = service.sdk(expected)
    printed = cli(service, "transcribe-file", "one.wav", "two.wav", "--locale", "en-US", "--out", "-", cwd=tmp_path)
    assert (printed.returncode, printed.stderr) == (0, "")
    assert printed.stdout == one.text() + "\n" + two.text() + "\n"

    written = cli(
        service, "--json", "--api-version", "2024-11-15", "transcribe-file", "one.wav", "--locale=en-US",
        "--format=srt", "--out=subs", cwd=tmp_path,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    [entry] = json.loads(written.stdout)
    assert written.stderr == "wrote subs/one.srt\n"
    assert entry["source"] == "one.wav" and entry["paths"] == ["subs/one.srt"]
    assert entry["result"] == one.to_dict()
    assert (tmp_path / "subs" / "one.srt").read_text(encoding="utf-8") == one.to_srt()

    old = cli(service, "--api-version", "v3.1", "transcribe-file", "one.wav", cwd=tmp_path)
    assert old.returncode == 1
    assert old.stderr.startswith("error: ") and "API version v3.1" in old.stderr and len(old.stderr.splitlines()) == 1


def test_a_later_run_refuses_to_overwrite_result_files_unless_asked(service: Service, tmp_path: Path) -> None:
    (tmp_path / "call.wav").write_bytes(b"RIFF audio")
    fast = ["transcribe-file", "call.wav", "--locale=en-US", "--out=out"]
    assert cli(service, *fast, cwd=tmp_path).returncode == 0
    written = (tmp_path / "out" / "call.txt").read_text(encoding="utf-8")
    (tmp_path / "out" / "call.txt").write_text("corrected by hand\n", encoding="utf-8")
    refused = "error: out/call.txt is already there; pass --overwrite to replace it\n"
    sent = {
        operation: service.requests(operation) for operation in ("Transcriptions_Transcribe", "Transcriptions_Submit")
    }
    assert sent["Transcriptions_Transcribe"] >= 1  # the first run's

    again = cli(service, *fast, cwd=tmp_path)
    batch = cli(
        service, "transcribe", "https://a.example.com/call.wav", "--locale=en-US", "--wait", "--out=out", cwd=tmp_path
    )
    assert (again.returncode, again.stdout, again.stderr) == (1, "", refused)
    assert (batch.returncode, batch.stdout, batch.stderr) == (1, "", refused)
    assert {operation: service.requests(operation) for operation in sent} == sent  # refused before any request
    assert (tmp_path / "out" / "call.txt").read_text(encoding="utf-8") == "corrected by hand\n"

    replaced = cli(service, *fast, "--overwrite", cwd=tmp_path)
    assert (replaced.returncode, replaced.stderr) == (0, "wrote out/call.txt\n")
    assert (tmp_path / "out" / "call.txt").read_text(encoding="utf-8") == written
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["call.txt"]


def test_emulator_subcommand_is_the_emulators_own_command_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "speechrest.cli", "emulator", "--help"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and done.stdout.startswith("usage: speechrest emulator ")
    assert "--processing-seconds" in done.stdout and "--latency-ms" in done.stdout


def test_emulator_with_json_says_where_it_listens_as_one_json_line() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "speechrest.cli", "--json", "emulator", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        where = json.loads(process.stdout.readline())
        assert set(where) == {"url", "blob_url"}
        with urllib.request.urlopen(where["url"] + "/_emulator/stats") as answer:  # loopback only
            assert json.load(answer)["total"] == 0
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and rest == ""  # nothing but the one JSON document


def test_entra_without_azure_identity_names_the_extra(service: Service, tmp_path: Path) -> None:
    try:
        import azure.identity.aio  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("azure-identity is installed here")
    done = cli(service, "ls", "transcriptions", "--entra", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "error: --entra needs azure-identity: pip install 'speechrest[azure]'\n"

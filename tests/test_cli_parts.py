"""The command line's parts in-process: live displays on a recording console, result file
names, the grammar, configuration precedence and the error line."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import stat
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from rich.console import Console
from yarl import URL

from speechrest._core.transport import HttpTransport, Request
from speechrest.cli import main
from speechrest.cli._args import parse
from speechrest.cli._connect import Unreachable, _client_options, _FirstContact
from speechrest.cli._display import UploadDisplay, WaitDisplay
from speechrest.cli._files import ResultWriter, file_stem
from speechrest.cli._output import CommandError, Fit, Output, describe, make_console
from speechrest.errors import InvalidArgumentError, NotFoundError, SpeechError, TransportError
from speechrest.results import TranscriptionResult
from speechrest.upload import UploadProgress


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def recording(*, terminal: bool) -> Console:
    return Console(file=io.StringIO(), record=True, force_terminal=terminal, width=100)


def test_upload_bar_shows_bytes_rate_and_time_left() -> None:
    console, now = recording(terminal=True), [0.0]
    with UploadDisplay(console, "upload corpus.zip", get_time=lambda: now[0]) as bar:
        for done in (0, 1_000_000, 2_000_000):
            bar(UploadProgress("4f0c2a1e-0000-4000-8000-000000000000", done, 4_000_000))
            now[0] += 1.0
    text = console.export_text()
    assert "upload corpus.zip" in text
    assert "2.0/4.0 MB" in text  # bytes done and total
    assert "1.0 MB/s" in text  # rate
    assert "0:00:02" in text  # time left


def test_wait_status_counts_jobs_by_how_they_ended() -> None:
    console = recording(terminal=True)
    with WaitDisplay(console, "transcriptions", 3) as display:
        display.record("Succeeded")
        display.record("Failed")
    text = console.export_text()
    assert "transcriptions: 1 Succeeded, 1 Failed, 1 in progress" in text and "2/3" in text


def test_displays_draw_nothing_when_not_a_terminal() -> None:
    console = recording(terminal=False)
    with UploadDisplay(console, "upload x") as bar:
        bar(UploadProgress("id", 10, 20))
    with WaitDisplay(console, "datasets", 1) as display:
        display.record("Succeeded")
    assert console.export_text() == ""


def test_consoles_style_only_terminals_and_honour_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert not make_console(io.StringIO()).is_terminal
    colour = make_console(Terminal())
    assert colour.is_terminal and not colour.no_color
    monkeypatch.setenv("NO_COLOR", "1")
    assert make_console(Terminal()).no_color


@pytest.mark.parametrize(
    ("source", "stem"),
    [
        ("https://host/audio/call%201.wav?sig=abc", "call_1"),
        ("https://host/a/..%2F..%2F..%2Fetc%2Fpasswd", "passwd"),
        ("https://host/%2E%2E", "audio"),
        ("https://host/", "audio"),
        ("C:\\calls\\..\\..\\x.mp3", "x"),
        ("recordings/.hidden.wav", "hidden"),
        ("audio:sha256:abc", "audio_sha256_abc"),
        (None, "audio"),
    ],
)
def test_file_stems_are_one_safe_name(source: str | None, stem: str) -> None:
    assert file_stem(source) == stem


def test_writer_keeps_names_distinct_and_inside_its_folder(tmp_path: Path) -> None:
    result = TranscriptionResult(source=None, duration_ticks=0, phrases=(), combined={0: "hello"})
    notes: list[str] = []
    writer = ResultWriter(str(tmp_path / "out"), ["text", "json"], io.StringIO(), notes.append)
    paths = [writer.write(result, source) for source in ("https://a/x.wav", "https://b/X.wav", "https://c/x-2.wav")]
    assert [Path(p[0]).name for p in paths] == ["x.txt", "X-2.txt", "x-2-2.txt"]
    assert notes == [f"wrote {path}" for pair in paths for path in pair]
    assert (tmp_path / "out" / "x.txt").read_text(encoding="utf-8") == "hello\n"


HELLO = TranscriptionResult(source=None, duration_ticks=0, phrases=(), combined={0: "hello"})


def test_a_name_is_limited_in_utf8_bytes_and_keeps_its_extension(tmp_path: Path) -> None:
    source = "https://host/calls/" + quote("通话录音" * 30) + ".wav"  # 120 characters, 360 bytes of UTF-8
    writer = ResultWriter(str(tmp_path), ["text", "json"], io.StringIO(), [].append)
    written = [Path(path).name for _ in range(3) for path in writer.write(HELLO, source)]  # no "File name too long"
    assert len(written) == len(set(written)) == 6
    assert all(len(name.encode()) <= 255 and name.startswith("通话录音") for name in written)
    assert [name.rsplit(".", 1)[1] for name in written] == ["txt", "json"] * 3
    assert written[2].removesuffix("-2.txt") == written[0].removesuffix(".txt")  # cut at a character, then -2


def test_an_earlier_runs_file_is_refused_unless_overwrite(tmp_path: Path) -> None:
    earlier = ResultWriter(str(tmp_path), ["text", "srt"], io.StringIO(), [].append)
    earlier.write(HELLO, "https://a/x.wav")
    (tmp_path / "x.srt").unlink()  # one of the formats is enough to refuse
    (tmp_path / "x.txt").write_text("the earlier run's\n", encoding="utf-8")
    notes: list[str] = []
    again = ResultWriter(str(tmp_path), ["text", "srt"], io.StringIO(), notes.append)
    refused = f"{tmp_path / 'x.txt'} is already there; pass --overwrite to replace it"
    with pytest.raises(InvalidArgumentError) as before_any_work:
        again.check(["https://b/y.wav", "https://a/x.wav"])
    with pytest.raises(InvalidArgumentError) as when_writing:
        again.write(HELLO, "https://a/x.wav")
    assert str(before_any_work.value) == str(when_writing.value) == refused
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"] and notes == []  # nothing written
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == "the earlier run's\n"

    replacing = ResultWriter(str(tmp_path), ["text", "srt"], io.StringIO(), notes.append, overwrite=True)
    replacing.check(["https://a/x.wav"])
    assert [Path(p).name for p in replacing.write(HELLO, "https://a/x.wav")] == ["x.txt", "x.srt"]
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == "hello\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="symlinks and FIFOs as on POSIX")
def test_a_symlink_or_fifo_at_a_target_is_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.txt").symlink_to(outside)
    os.mkfifo(out / "y.txt")  # writing through it would block
    with pytest.raises(InvalidArgumentError, match=r"x\.txt is already there; pass --overwrite"):
        ResultWriter(str(out), ["text"], io.StringIO(), [].append).write(HELLO, "https://a/x.wav")
    replacing = ResultWriter(str(out), ["text"], io.StringIO(), [].append, overwrite=True)
    replacing.write(HELLO, "https://a/x.wav")
    replacing.write(HELLO, "https://a/y.wav")
    for name in ("x.txt", "y.txt"):  # each link or FIFO replaced by a file of its own, by rename
        assert stat.S_ISREG((out / name).lstat().st_mode)
        assert (out / name).read_text(encoding="utf-8") == "hello\n"
    assert outside.read_text(encoding="utf-8") == "not yours\n"
    assert sorted(p.name for p in out.iterdir()) == ["x.txt", "y.txt"]  # no temporary file left
    (out / "z.txt").mkdir()
    with pytest.raises(IsADirectoryError) as folder:
        replacing.write(HELLO, "https://a/z.wav")
    assert folder.value.filename == str(out / "z.txt")  # the target named, not the temporary file
    assert sorted(p.name for p in out.iterdir()) == ["x.txt", "y.txt", "z.txt"]


def test_printing_makes_one_document(tmp_path: Path) -> None:
    """Transcripts follow one another; captions or JSON of a second audio file are refused."""
    result = TranscriptionResult(source=None, duration_ticks=0, phrases=(), combined={0: "hello"})
    printed, notes = io.StringIO(), []
    text = ResultWriter("-", ["text"], printed, notes.append)
    assert [text.write(result, "https://a/x.wav") for _ in range(2)] == [[], []]
    assert (printed.getvalue(), notes) == ("hello\nhello\n", [])
    captions = ResultWriter("-", ["srt"], io.StringIO(), notes.append)
    captions.write(result, "https://a/x.wav")
    with pytest.raises(InvalidArgumentError, match="--out - prints the srt of one audio file"):
        captions.write(result, "https://a/y.wav")


def test_global_options_go_before_or_after_the_command() -> None:
    after = parse(["ls", "transcriptions", "--json", "--api-version", "v3.1"])
    before = parse(["--json", "--region", "westeurope", "ls", "datasets"])
    plain = parse(["ls", "models"])
    assert (after.json, after.api_version, after.kind.name) == (True, "v3.1", "transcriptions")
    assert (before.json, before.region, before.kind.name) == (True, "westeurope", "datasets")
    assert (plain.json, plain.debug, plain.entra, plain.endpoint) == (False, False, False, None)
    upload = parse(["datasets", "upload", "f.zip", "--locale", "en-US", "--kind", "Acoustic", "--block-size", "512KiB"])
    assert upload.block_size == 512 * 1024


@pytest.mark.parametrize(
    "argv",
    [
        ["transcribe", "https://a/x.wav", "--locale", "en-US", "--format", "srt"],  # writing needs --wait
        ["--json", "transcribe-file", "a.wav", "--out", "-"],  # one JSON document, not results too
        ["transcribe-file", "a.wav", "--format", "docx"],
        ["transcribe-file", "a.wav", "--format", "text,srt", "--out", "-"],  # two documents
        ["transcribe", "--locale", "en-US"],  # no audio
        ["datasets", "upload", "f", "--locale", "en-US", "--kind", "Acoustic", "--block-size", "lots"],
        ["wait", "0b2c3d4e-0000-4000-8000-000000000000", "--kind", "projects"],  # projects do not run
        ["ls", "transcriptions", "--top", "0"],
        ["--endpoint", "https://x", "--region", "eastus", "ls", "datasets"],
        ["ls", "transcriptions", "--end", "https://x"],  # no abbreviations
        [],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


def namespace(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"endpoint": None, "region": None, "api_version": None, "entra": False, **given})


def test_options_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEECH_ENDPOINT", "https://env.example.com")
    monkeypatch.setenv("SPEECH_KEY", "k")
    monkeypatch.setenv("SPEECH_API_VERSION", "v3.1")
    assert _client_options(namespace()) == {"endpoint": "https://env.example.com", "api_version": "v3.1", "key": "k"}
    assert _client_options(namespace(region="eastus", api_version="2024-11-15")) == {
        "region": "eastus",
        "api_version": "2024-11-15",
        "key": "k",
    }
    assert "key" not in _client_options(namespace(entra=True))  # Entra ID instead of the key
    for name in ("SPEECH_ENDPOINT", "SPEECH_API_VERSION"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("SPEECH_REGION", "westus")
    assert _client_options(namespace()) == {"region": "westus", "key": "k"}
    monkeypatch.delenv("SPEECH_REGION")
    with pytest.raises(CommandError, match=r"^no Speech resource: set SPEECH_ENDPOINT \(or SPEECH_REGION"):
        _client_options(namespace())


def test_an_error_line_carries_the_service_code_status_message_and_request_id() -> None:
    inner = SimpleNamespace(code="EntityNotFound", message="no such thing", inner_error=None)
    body = SimpleNamespace(code="NotFound", message="The model does not exist.", inner_error=inner)
    error = NotFoundError(
        status=404,
        operation_id="Models_Get",
        method="GET",
        url="https://x/models/1",
        headers=None,
        body=b"",
        error=body,
    )
    assert describe(error) == "NotFound (404): The model does not exist. [EntityNotFound]"
    assert describe(FileNotFoundError(2, "No such file or directory", "a.wav")) == "No such file or directory: a.wav"
    assert describe(RuntimeError("boom\nat x")) == "unexpected RuntimeError: boom (--debug shows the traceback)"
    assert describe(SpeechError("one thing\nand details")) == "one thing (--debug shows the rest)"


def printed_table(headers: tuple[str, ...] | None, rows: list[list[str]], fits: tuple[Fit, ...]) -> str:
    stdout = io.StringIO()
    Output(json_mode=False, stdout=stdout, stderr=io.StringIO()).table(headers, rows, fits)
    return stdout.getvalue()


def test_plain_tables_are_aligned_without_trailing_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    rows = [["a", "Succeeded", ""], ["bbbb", "Failed", "a name longer than any terminal " * 9]]
    printed = printed_table(("ID", "STATUS", "NAME"), rows, ("keep", "keep", "cut"))
    assert printed == f"ID    STATUS     NAME\na     Succeeded\nbbbb  Failed     {rows[1][2].rstrip()}\n"  # all of it


def test_tables_fit_columns_by_narrowing_those_that_may_give(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    row = ["0123456789abcdef", "2026-01-02 03:04:05", "a rather long name indeed"]
    assert printed_table(("ID", "WHEN", "NAME"), [row], ("keep", "wrap", "cut")) == (
        "ID                WHEN        NAME\n"
        "0123456789abcdef  2026-01-02  a rather …\n"  # 40 cells: the id kept, the others narrowed alike
        "                  03:04:05\n"
    )
    url = "https://host.example.com/" + "a" * 40
    fields = [["self", url], ["displayName", "one two three four five six seven"]]
    assert printed_table(None, fields, ("keep", "wrap")) == (
        f"self         {url}\n"  # a word longer than the column keeps its line: never cut in the middle
        "displayName  one two three four five six\n"  # 40 cells
        "             seven\n"
    )
    monkeypatch.setenv("COLUMNS", "20")  # narrower than the kept columns: lines go over, the terminal wraps
    assert printed_table(None, [["a-long-kept-name", "x y z " * 4]], ("keep", "wrap")).splitlines() == [
        "a-long-kept-name  x y z x y",
        "                  z x y z x",
        "                  y z",
    ]


async def test_a_host_never_reached_is_unreachable_at_once_and_later_failures_are_the_sdks() -> None:
    accepted: list[asyncio.StreamWriter] = []
    silent = await asyncio.start_server(lambda _, writer: accepted.append(writer), "127.0.0.1", 0)  # never TLS
    port = silent.sockets[0].getsockname()[1]

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    answering = web.Application()
    answering.router.add_get("/", ok)
    server = TestServer(answering)
    await server.start_server()
    url = server.make_url("/")
    transport = _FirstContact(HttpTransport(timeout=aiohttp.ClientTimeout(total=5, connect=0.2)))
    async with silent:
        with pytest.raises(Unreachable, match=rf"^cannot reach https://127.0.0.1:{port}: no connection within 0.2 s$"):
            await transport.send(Request("GET", URL(f"https://127.0.0.1:{port}/"), "Silent"))
        assert (await transport.send(Request("GET", url, "Answering"))).body == b"ok"
        await server.close()
        with pytest.raises(TransportError) as lost:  # reached before: an error for the SDK to retry
            await transport.send(Request("GET", url, "Answering"))
        assert not lost.value.sent
        await transport.aclose()
        for writer in accepted:  # before the server's exit, which (Python 3.12.1 on) waits for them
            writer.close()

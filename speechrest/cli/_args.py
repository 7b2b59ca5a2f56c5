"""The command line's grammar (argparse): commands, their options and the global options.

It imports no rich, so that ``--help``, ``--version`` and usage errors work without the
``cli`` extra: each command is named as ``"module:function"`` and imported once parsed.

Global options are accepted before or after the command: each command's parser repeats
them with suppressed defaults, so a value given after the command wins and an absent one
leaves the main parser's default in place.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from functools import partial

from .._client import DEFAULT_API_VERSION
from .._generated import VERSIONS
from .._version import __version__
from ..upload import DEFAULT_BLOCK_SIZE, DEFAULT_CONCURRENCY
from ._files import FORMATS
from ._kinds import kind_named

__all__ = ["parse"]

_DESCRIPTION = """\
The Azure Speech-to-text REST API from a terminal: batch and fast transcription, datasets,
models, evaluations, endpoints, and the local emulator. Results go to stdout (with --json,
as one JSON document); status lines, progress and errors go to stderr."""

_EPILOG = f"""\
environment:
  SPEECH_KEY          the resource key; read from the environment only, never from an
                      option, since command lines show in process lists
  SPEECH_ENDPOINT     the resource's endpoint (or SPEECH_REGION, such as eastus)
  SPEECH_API_VERSION  the API version (default {DEFAULT_API_VERSION})
  NO_COLOR            no colours, even on a terminal

exit codes: 0 done, 1 an error (the service's, or a bad argument), 2 bad usage,
130 interrupted (Ctrl-C)"""

_SIZE = re.compile(r"(\d+)\s*(k|kib|m|mib)?", re.IGNORECASE)


def _formats(text: str) -> list[str]:
    """``srt,vtt`` -> ["srt", "vtt"], each a known format."""
    chosen = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [fmt for fmt in chosen if fmt not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"formats are a comma-separated list of: {', '.join(FORMATS)}")
    return chosen


def _byte_size(text: str) -> int:
    """Bytes, or KiB/MiB with a suffix: ``65536``, ``512KiB``, ``4M``."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 65536, 512KiB or 4MiB")
    unit = (match.group(2) or "").lower()[:1]
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]


def _positive(convert: type[int] | type[float], text: str) -> int | float:
    try:
        value = convert(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
    return value


def _add_globals(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command takes; with ``suppress``, absent ones leave no default."""
    unset = argparse.SUPPRESS if suppress else None
    absent = argparse.SUPPRESS if suppress else False
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--endpoint", help="the resource's endpoint URL (else SPEECH_ENDPOINT)", default=unset)
    where.add_argument("--region", help="the resource's region, such as eastus (else SPEECH_REGION)", default=unset)
    parser.add_argument(
        "--api-version",
        choices=list(VERSIONS),
        help=f"the API version (else SPEECH_API_VERSION, else {DEFAULT_API_VERSION})",
        default=unset,
    )
    parser.add_argument(
        "--entra",
        action="store_true",
        default=absent,
        help="sign in with Microsoft Entra ID (DefaultAzureCredential) instead of SPEECH_KEY; "
        "needs pip install 'speechrest[azure]'",
    )
    parser.add_argument("--json", action="store_true", default=absent, help="print one JSON document on stdout")
    parser.add_argument(
        "--debug", action="store_true", default=absent, help="show tracebacks and log requests to stderr"
    )


def _waiting() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--timeout", type=partial(_positive, float), help="give up waiting after this many seconds")
    parser.add_argument(
        "--poll-interval", type=partial(_positive, float), default=5.0, help="seconds between looks (default 5)"
    )
    return parser


def _writing() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument(
        "--format",
        type=_formats,
        help="what to write per audio file: text (default), srt, vtt, json, or a list: srt,vtt",
    )
    parser.add_argument("--out", metavar="DIR", help="the folder to write to (default: the current one; -: print)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace result files already in the folder (default: refuse them)"
    )
    return parser


def _speakers() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--diarization", action="store_true", help="tell speakers apart")
    parser.add_argument("--max-speakers", type=partial(_positive, int), metavar="N", help="at most N speakers")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="speechrest",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"speechrest {__version__}")
    _add_globals(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    _add_globals(common, suppress=True)
    waiting, writing, speakers = _waiting(), _writing(), _speakers()
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        summary: str,
        *parents: argparse.ArgumentParser,
    ) -> argparse.ArgumentParser:
        parser = group.add_parser(
            name, help=summary, description=summary, parents=[common, *parents], allow_abbrev=False
        )
        parser.set_defaults(usage_error=parser.error)  # for the checks parse() makes: the command's usage
        return parser

    transcribe = command(
        commands,
        "transcribe",
        "submit batch transcriptions of audio URLs; prints their ids",
        waiting,
        writing,
        speakers,
    )
    transcribe.add_argument("urls", nargs="*", metavar="URL", help="audio URLs (split into transcriptions of 1,000)")
    transcribe.add_argument("--from-file", metavar="FILE", help="more audio URLs, one a line (-: stdin)")
    transcribe.add_argument("--locale", required=True, help="the audio's locale, such as en-US")
    transcribe.add_argument("--name", help="the transcriptions' display name")
    transcribe.add_argument("--words", action="store_true", help="word-level timestamps")
    transcribe.add_argument(
        "--ttl-hours", type=partial(_positive, int), default=48, help="hours the service keeps results (default 48)"
    )
    transcribe.add_argument("--wait", action="store_true", help="wait for the results and write them")
    transcribe.set_defaults(run="_jobs:transcribe")

    results = command(commands, "results", "wait for transcriptions if need be, and write results", waiting, writing)
    results.add_argument("ids", nargs="+", metavar="ID", help="transcription ids")
    results.set_defaults(run="_jobs:results")

    fast = command(
        commands, "transcribe-file", "fast transcription of audio files (GA API versions)", writing, speakers
    )
    fast.add_argument("sources", nargs="+", metavar="PATH", help="audio files (or URLs, on 2025-10-15)")
    fast.add_argument("--locale", action="append", help="a candidate locale, such as en-US (repeatable)")
    fast.set_defaults(run="_jobs:transcribe_file")

    wait = command(commands, "wait", "wait for jobs to end", waiting)
    wait.add_argument("ids", nargs="+", metavar="ID", help="the jobs' ids")
    wait.add_argument(
        "--kind",
        type=partial(kind_named, waitable=True),
        default=kind_named("transcriptions"),
        help="transcriptions (default), datasets, models, evaluations or endpoints",
    )
    wait.set_defaults(run="_jobs:wait")

    ls = command(
        commands,
        "ls",
        "list entities of one kind, in the order the service returns them (it documents none)",
    )
    ls.add_argument("kind", type=kind_named, metavar="KIND", help="transcriptions, datasets, models, base-models, ...")
    size = ls.add_mutually_exclusive_group()
    size.add_argument("--top", type=partial(_positive, int), default=20, metavar="N", help="the first N (default 20)")
    size.add_argument("--all", action="store_true", help="every one, page after page")
    ls.add_argument("--filter", help="the service's filter, such as \"status eq 'Failed'\"")
    ls.set_defaults(run="_manage:ls")

    get = command(commands, "get", "show one entity")
    get.add_argument("kind", type=kind_named, metavar="KIND")
    get.add_argument("id", metavar="ID")
    get.set_defaults(run="_manage:get")

    delete = command(commands, "delete", "delete entities")
    delete.add_argument("kind", type=partial(kind_named, deletable=True), metavar="KIND")
    delete.add_argument("ids", nargs="+", metavar="ID")
    delete.set_defaults(run="_manage:delete")

    datasets = command(commands, "datasets", "dataset commands (upload)")
    dataset_commands = datasets.add_subparsers(dest="datasets_command", required=True, metavar="COMMAND")
    upload = command(dataset_commands, "upload", "upload a file as a new dataset, with progress", waiting)
    upload.add_argument("path", metavar="PATH", help="the file to upload")
    upload.add_argument("--locale", required=True, help="the data's locale, such as en-US")
    upload.add_argument("--kind", required=True, help="Acoustic, Language, Pronunciation, AudioFiles, ...")
    upload.add_argument("--name", help="the display name (default: the file's name)")
    upload.add_argument("--description")
    upload.add_argument("--resume", metavar="ID", help="finish the interrupted upload to this dataset")
    upload.add_argument(
        "--block-size", type=_byte_size, default=DEFAULT_BLOCK_SIZE, help="bytes per block (default 4MiB)"
    )
    upload.add_argument(
        "--concurrency", type=partial(_positive, int), default=DEFAULT_CONCURRENCY, help="blocks sent at once"
    )
    upload.add_argument("--wait", action="store_true", help="wait until the service has processed it")
    upload.set_defaults(run="_datasets:upload")

    # The emulator reads its own options: none are parsed here.
    emulator = commands.add_parser(
        "emulator", help="run the local emulator (speechrest emulator --help)", add_help=False, prefix_chars="\0"
    )
    emulator.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The parsed command line; a usage error exits with status 2."""
    args = build_parser().parse_args(argv)
    args.argv = list(argv)
    if getattr(args, "out", None) == "-":
        if args.json:
            args.usage_error("--out - prints results, which --json cannot mix with its document")
        if args.format and len(args.format) > 1:
            args.usage_error(
                "--out - prints one format, as one document: give one --format, or write files with --out DIR"
            )
    if args.command == "transcribe" and not (args.urls or args.from_file):
        args.usage_error("no audio: give audio URLs, or --from-file FILE with one URL a line")
    if args.command == "transcribe" and not args.wait and (args.format or args.out):
        args.usage_error("--format and --out write results: they need --wait (or use `speechrest results ID`)")
    return args

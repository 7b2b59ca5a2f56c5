"""Writing recognition results: text, SRT, WebVTT or JSON files, one name per audio file.

A file is named after its audio (the last segment of the source URL, or the local file's
name), reduced to letters, digits, ``.``, ``-`` and ``_`` and to 200 bytes of UTF-8, so
that no name can leave the output folder or be too long for it; names already used in the
run get ``-2``, ``-3``... A name already in the folder (from an earlier run, say) is refused
unless ``overwrite``; each file is written under a temporary name and renamed into place, so
a symlink or FIFO at the target is replaced, never written through. With the folder ``-``
the results are printed to stdout instead, in one format.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import unquote, urlsplit

from ..errors import InvalidArgumentError
from ..results import TranscriptionResult

__all__ = ["FORMATS", "ResultWriter", "file_stem"]

# Format -> file extension.
FORMATS = {"text": ".txt", "srt": ".srt", "vtt": ".vtt", "json": ".json"}
_UNSAFE = re.compile(r"[^\w.-]+")
# Bytes of a stem: with "-N" and the extension a name stays well under the usual 255.
_LONGEST = 200


def render(result: TranscriptionResult, fmt: str) -> str:
    """A result as the text of one file of format ``fmt``."""
    if fmt == "srt":
        return result.to_srt()
    if fmt == "vtt":
        return result.to_webvtt()
    if fmt == "json":
        return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    return result.text() + "\n"


def file_stem(source: str | None) -> str:
    """A safe file name stem for the audio at ``source`` (a URL or a local path)."""
    path = unquote(urlsplit(source).path) if source and "://" in source else source or ""
    name = PurePosixPath(path.replace("\\", "/")).name
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    safe = _UNSAFE.sub("_", stem).strip("._-")
    return safe.encode()[:_LONGEST].decode(errors="ignore").rstrip("._-") or "audio"


def _check_printable(formats: Sequence[str], count: int) -> None:
    """Refuse to print the captions or JSON of ``count`` > 1 audio files: one after the
    other, they would not make one document. Transcripts may follow one another."""
    if count > 1 and formats[0] != "text":
        raise InvalidArgumentError(
            f"--out - prints the {formats[0]} of one audio file only, and there are more: write them with --out DIR"
        )


def _unique(stem: str, taken: set[str]) -> str:
    """``stem``, or ``stem-N`` when ``taken`` has it (compared ignoring case); then taken too."""
    candidate, number = stem, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem}-{number}"
    taken.add(candidate.casefold())
    return candidate


def _write_file(path: Path, text: str) -> None:
    """Write a new file beside ``path`` and rename it to ``path``, replacing whatever is there."""
    temporary = path.with_name(f".speechrest-{secrets.token_hex(8)}.tmp")
    try:
        with temporary.open("x", encoding="utf-8") as file:  # "x": a new file, never one met by chance
            file.write(text)
        try:
            os.replace(temporary, path)
        except OSError as error:  # such as a folder of that name: say which
            raise OSError(error.errno, error.strerror, str(path)) from error
    finally:
        temporary.unlink(missing_ok=True)


class ResultWriter:
    """Writes each result in the chosen formats to one folder, telling ``note`` of each file.

    The folder ``-`` prints one format instead: transcripts one after the other, or the
    captions (or JSON) of one audio file only, since two would not make one document.
    """

    def __init__(
        self,
        folder: str,
        formats: Sequence[str],
        stdout: IO[str],
        note: Callable[[str], None],
        *,
        overwrite: bool = False,
    ) -> None:
        self._folder = None if folder == "-" else Path(folder)
        self._formats = list(formats)
        self._stdout = stdout
        self._note = note
        self._overwrite = overwrite
        self._printed = 0
        self._taken: set[str] = set()

    def check(self, sources: Sequence[str]) -> None:
        """Refuse, before any work, what writing the results of ``sources`` would refuse."""
        if self._folder is None:
            _check_printable(self._formats, len(sources))
            return
        taken: set[str] = set()
        for source in sources:
            self._refuse_existing(self._paths(self._folder, _unique(file_stem(source), taken)))

    def write(self, result: TranscriptionResult, source: str | None) -> list[str]:
        """Write one audio file's result; returns the paths written (none when printing)."""
        if self._folder is None:
            [fmt] = self._formats
            _check_printable(self._formats, self._printed + 1)
            self._stdout.write(render(result, fmt))
            self._stdout.flush()
            self._printed += 1
            return []
        paths = self._paths(self._folder, _unique(file_stem(source), self._taken))
        self._refuse_existing(paths)
        self._folder.mkdir(parents=True, exist_ok=True)
        for path, fmt in zip(paths, self._formats, strict=True):
            _write_file(path, render(result, fmt))
            self._note(f"wrote {path}")
        return [str(path) for path in paths]

    def _paths(self, folder: Path, stem: str) -> list[Path]:
        return [folder / (stem + FORMATS[fmt]) for fmt in self._formats]

    def _refuse_existing(self, paths: Sequence[Path]) -> None:
        """Without ``overwrite``, refuse a name already in the folder (a file, a link, anything)."""
        existing = None if self._overwrite else next((p for p in paths if os.path.lexists(p)), None)
        if existing is not None:
            raise InvalidArgumentError(f"{existing} is already there; pass --overwrite to replace it")

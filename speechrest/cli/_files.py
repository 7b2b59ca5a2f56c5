"""Writing recognition results: text, SRT, WebVTT or JSON files, one name per audio file.

A file is named after its audio (the last segment of the source URL, or the local file's
name), reduced to letters, digits, ``.``, ``-`` and ``_``, so that no name can leave the
output folder; names already used in the run get ``-2``, ``-3``... With the folder ``-``
the results are printed to stdout instead, in one format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import unquote, urlsplit

from ..errors import InvalidArgumentError
from ..results import TranscriptionResult

__all__ = ["FORMATS", "ResultWriter", "check_printable", "file_stem"]

# Format -> file extension.
FORMATS = {"text": ".txt", "srt": ".srt", "vtt": ".vtt", "json": ".json"}
_UNSAFE = re.compile(r"[^\w.-]+")
_LONGEST = 100


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
    return _UNSAFE.sub("_", stem).strip("._-")[:_LONGEST] or "audio"


def check_printable(folder: str, formats: Sequence[str], count: int) -> None:
    """Refuse to print (``--out -``) the captions or JSON of ``count`` > 1 audio files: one
    after the other, they would not make one document. Transcripts may follow one another."""
    if folder == "-" and count > 1 and formats[0] != "text":
        raise InvalidArgumentError(
            f"--out - prints the {formats[0]} of one audio file only, and there are more: write them with --out DIR"
        )


class ResultWriter:
    """Writes each result in the chosen formats to one folder, telling ``note`` of each file.

    The folder ``-`` prints one format instead: transcripts one after the other, or the
    captions (or JSON) of one audio file only, since two would not make one document.
    """

    def __init__(self, folder: str, formats: Sequence[str], stdout: IO[str], note: Callable[[str], None]) -> None:
        self._folder = None if folder == "-" else Path(folder)
        self._formats = list(formats)
        self._stdout = stdout
        self._note = note
        self._printed = 0
        self._taken: set[str] = set()

    def write(self, result: TranscriptionResult, source: str | None) -> list[str]:
        """Write one audio file's result; returns the paths written (none when printing)."""
        if self._folder is None:
            [fmt] = self._formats
            check_printable("-", self._formats, self._printed + 1)
            self._stdout.write(render(result, fmt))
            self._stdout.flush()
            self._printed += 1
            return []
        self._folder.mkdir(parents=True, exist_ok=True)
        stem = self._unique(file_stem(source))
        paths = []
        for fmt in self._formats:
            path = self._folder / (stem + FORMATS[fmt])
            path.write_text(render(result, fmt), encoding="utf-8")
            self._note(f"wrote {path}")
            paths.append(str(path))
        return paths

    def _unique(self, stem: str) -> str:
        """``stem``, or ``stem-N`` when the run already used it (compared ignoring case)."""
        candidate, number = stem, 1
        while candidate.casefold() in self._taken:
            number += 1
            candidate = f"{stem}-{number}"
        self._taken.add(candidate.casefold())
        return candidate

"""What the command line prints: one JSON document, or human lines and tables; and error lines.

stdout carries only the result asked for: one JSON document with ``--json``, else a table,
an entity, ids or transcripts. Status lines (created, wrote, deleted), progress, hints and
errors go to stderr in both modes. Human output goes through rich consoles that style only
on a terminal (and never with ``NO_COLOR`` set); piped output is plain text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import IO, Any, Literal, TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..errors import APIStatusError, AuthenticationError, CredentialError, SpeechError, _text

__all__ = ["CommandError", "Fit", "Output", "describe", "make_console"]

_STATUS_STYLES = {"Succeeded": "green", "Failed": "red", "Running": "yellow", "NotStarted": "dim"}
# How a table's column fits a narrow terminal: as it is, cut short, or on more lines.
Fit = Literal["keep", "cut", "wrap"]
# Spaces between columns; the fewest cells a column is narrowed to (beyond, the terminal wraps).
_GAP = 2
_NARROWEST = 10


class CommandError(Exception):
    """A problem of the command line itself (configuration, a missing extra), shown as one line."""


def make_console(stream: TextIO) -> Console:
    """A console that draws and colours only when ``stream`` is a terminal (and ``NO_COLOR`` is unset)."""
    terminal = stream.isatty()
    return Console(
        file=stream,
        force_terminal=terminal,
        no_color=not terminal or bool(os.environ.get("NO_COLOR")),
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=True,
    )


def describe(error: BaseException) -> str:
    """An error as one line: the service's code, status and message when it sent them. Of a
    longer message (a sign-in's, say) the first line only; ``--debug`` shows the rest."""
    message = _message(error)
    if message is None:
        return f"unexpected {type(error).__name__}: {_first_line(str(error))} (--debug shows the traceback)"
    first = _first_line(message)
    return first if first == message.strip() else f"{first} (--debug shows the rest)"


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].rstrip()


def _message(error: BaseException) -> str | None:
    """What the command line knows to say of ``error``; None for the unexpected."""
    if isinstance(error, APIStatusError):
        text = f"{error.code or 'HTTP'} ({error.status}): {error.message or error}"
        inner = _text(getattr(error.inner_error, "code", None))
        if inner and inner != error.code:
            text += f" [{inner}]"
        if error.request_id:
            text += f" (request id {error.request_id})"
        if isinstance(error, AuthenticationError):
            text += " (check SPEECH_KEY, or use --entra)"
        return text
    if isinstance(error, CredentialError):
        return f"Microsoft Entra ID sign-in failed: {error.__cause__ or error}"
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    if isinstance(error, (SpeechError, CommandError)):
        return str(error)
    return None


class Output:
    """Where a command's results, notes and errors go, in JSON or human form."""

    def __init__(self, *, json_mode: bool, stdout: TextIO, stderr: TextIO) -> None:
        self.json_mode = json_mode
        self.out = make_console(stdout)
        self.err = make_console(stderr)
        self.hint: str | None = None  # how to carry on, told after an interruption or an error

    def emit(self, document: Any, human: Callable[[], None]) -> None:
        """The command's result: ``document`` as JSON in ``--json`` mode, else what ``human`` prints."""
        if self.json_mode:
            self.out.file.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
            self.out.file.flush()
        else:
            human()

    def line(self, text: str) -> None:
        """A human line of the command's result, on stdout."""
        self.out.print(text)

    def error(self, message: str) -> None:
        """``error: message`` on stderr."""
        self.err.print(Text("error: ", style="bold red") + Text(message))

    def note(self, message: str) -> None:
        """A status line, hint or remark on stderr, in either mode, seen at once."""
        self.err.print(message)
        self.err.file.flush()

    def table(self, headers: Sequence[str] | None, rows: Sequence[Sequence[str]], fits: Sequence[Fit]) -> None:
        """Aligned columns, styled on a terminal. Where lines have a width to keep to (a terminal's,
        or ``COLUMNS``), the columns that may give way narrow, widest first: ``cut`` ends a long
        cell with "…", ``wrap`` breaks it between words onto more lines (a longer word keeps a
        line of its own), ``keep`` never gives (ids). Pipes and files get whole lines. No rows,
        no table (not even its headers)."""
        if not rows:
            return
        lines = ([list(headers)] if headers is not None else []) + [list(row) for row in rows]
        widths = [max(cell_len(line[i]) for line in lines) for i in range(len(fits))]
        room = _room(self.out.file)
        if room is not None:
            _narrow(widths, fits, room)
        for number, cells in enumerate(lines):
            bold = headers is not None and number == 0
            pieces = [_fit(cell, width, fit) for cell, width, fit in zip(cells, widths, fits, strict=True)]
            for index in range(max(len(cell_lines) for cell_lines in pieces)):
                text = Text()
                for width, cell_lines in zip(widths, pieces, strict=True):
                    shown = cell_lines[index] if index < len(cell_lines) else ""
                    text.append(shown, style=_style(shown, bold))
                    text.append(" " * (width - cell_len(shown) + _GAP))
                text.rstrip()
                self.out.print(text)


def _style(cell: str, header: bool) -> str:
    return "bold" if header else _STATUS_STYLES.get(cell, "")


def _room(stream: IO[str]) -> int | None:
    """The width lines keep to: ``COLUMNS`` when set, else the terminal's; None for pipes and files."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not stream.isatty():
        return None
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        return None


def _narrow(widths: list[int], fits: Sequence[Fit], room: int) -> None:
    """Take cells from the widest column that may give (down to ``_NARROWEST``) until a line fits ``room``."""
    excess = sum(widths) + _GAP * (len(widths) - 1) - room
    while excess > 0:
        giving = [i for i, fit in enumerate(fits) if fit != "keep" and widths[i] > _NARROWEST]
        if not giving:
            return
        widths[max(giving, key=widths.__getitem__)] -= 1
        excess -= 1


def _fit(cell: str, width: int, fit: Fit) -> list[str]:
    """``cell`` as lines of at most ``width`` cells: as it is, cut short, or broken between words."""
    if fit == "keep" or cell_len(cell) <= width:
        return [cell]
    if fit == "cut":
        text = Text(cell)
        text.truncate(width, overflow="ellipsis")
        return [text.plain]
    lines: list[str] = []
    for word in cell.split():
        if lines and cell_len(lines[-1]) + 1 + cell_len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]

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
from typing import Any, TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..errors import APIStatusError, AuthenticationError, CredentialError, SpeechError, _text

__all__ = ["CommandError", "Output", "describe", "make_console"]

_STATUS_STYLES = {"Succeeded": "green", "Failed": "red", "Running": "yellow", "NotStarted": "dim"}


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

    def table(self, headers: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> None:
        """Aligned columns, never cut or wrapped (the terminal wraps long lines); styled on a terminal."""
        lines = ([list(headers)] if headers is not None else []) + [list(row) for row in rows]
        widths = [max(cell_len(line[i]) for line in lines) for i in range(len(lines[0]))] if lines else []
        for number, cells in enumerate(lines):
            text = Text()
            for column, cell in enumerate(cells):
                style = "bold" if headers is not None and number == 0 else _STATUS_STYLES.get(cell, "")
                text.append(cell, style=style)
                text.append(" " * (widths[column] - cell_len(cell) + 2))
            text.rstrip()
            self.out.print(text)

"""Live displays: an upload's progress bar and the status of jobs being waited for.

Each draws on its console only when that console is a terminal; anywhere else (a pipe, a
file, CI logs) it draws nothing at all. Use them as context managers, so that the display
stops whatever ends the work; the upload bar appears with the first report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from ..upload import UploadProgress

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["UploadDisplay", "WaitDisplay"]

# How ended jobs are told apart, in the order shown.
_ORDER = ("Succeeded", "Failed", "timed out")


class _Live:
    """A rich ``Progress`` on a terminal console, or nothing elsewhere."""

    def __init__(self, console: Console, columns: list[ProgressColumn], get_time: Callable[[], float] | None) -> None:
        self.progress = Progress(*columns, console=console, get_time=get_time) if console.is_terminal else None

    def __enter__(self) -> Self:
        return self

    def _show(self) -> None:
        if self.progress is not None:
            self.progress.start()  # once: starting again does nothing

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.progress is not None:
            self.progress.stop()


class UploadDisplay(_Live):
    """A bar with bytes sent, rate and time left; call it with each ``UploadProgress``."""

    def __init__(self, console: Console, description: str, *, get_time: Callable[[], float] | None = None) -> None:
        columns = [
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        ]
        super().__init__(console, columns, get_time)
        self._description = description
        self._task: TaskID | None = None

    def __call__(self, update: UploadProgress) -> None:
        if self.progress is None:
            return
        if self._task is None:  # drawn from the first report on, after what the command printed first
            # Bytes already there when resuming are where the bar starts, not a burst of speed.
            self._task = self.progress.add_task(self._description, total=update.total, completed=update.done)
            self._show()
        else:
            self.progress.update(self._task, completed=update.done)


class WaitDisplay(_Live):
    """A spinner counting waited-for jobs by how they ended, and those still going."""

    def __init__(self, console: Console, what: str, total: int) -> None:
        columns = [SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn()]
        super().__init__(console, columns, None)
        self._what = what
        self._total = total
        self.counts: Counter[str] = Counter()
        self._task = self.progress.add_task(self._text(), total=total) if self.progress is not None else None

    def __enter__(self) -> Self:
        self._show()
        return self

    def record(self, status: str) -> None:
        """One more job ended with ``status`` (``Succeeded``, ``Failed`` or ``timed out``)."""
        self.counts[status] += 1
        if self.progress is not None and self._task is not None:
            self.progress.update(self._task, description=self._text(), completed=sum(self.counts.values()))

    def _text(self) -> str:
        going = self._total - sum(self.counts.values())
        ended = [f"{self.counts[status]} {status}" for status in _ORDER if self.counts[status]]
        return f"{self._what}: " + ", ".join([*ended, f"{going} in progress"])

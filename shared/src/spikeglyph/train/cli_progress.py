"""A rich progress bar fed by :class:`~spikeglyph.schemas.JobProgress` updates."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from spikeglyph.schemas import JobProgress


class RichProgress:
    """Context manager: ``update(JobProgress)`` moves one bar per epoch with loss/accuracy."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("loss {task.fields[loss]} acc {task.fields[acc]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[int, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, event: JobProgress) -> None:
        if event.epoch is None or event.steps is None:
            if event.message:
                self._progress.console.log(event.message)
            return
        task = self._tasks.get(event.epoch)
        if task is None:
            task = self._progress.add_task(
                f"epoch {event.epoch}/{event.epochs}", total=event.steps, loss="–", acc="–"
            )
            self._tasks[event.epoch] = task
        self._progress.update(
            task,
            completed=event.step or 0,
            loss=f"{event.loss:.4f}" if event.loss is not None else "–",
            acc=f"{event.accuracy:.4f}" if event.accuracy is not None else "–",
        )
        if event.message:
            self._progress.console.log(event.message)

"""Progress of a long step (ingest, dbt build, the gate), one helper for all of them.

On a terminal: a rich progress bar on stderr, gone when the step ends. Elsewhere (Airflow task
logs, pipes, files): one plain line per finished item, ``<title> [3/45] <label>``, without escape
codes. Labels are printed inert (:func:`rolwh.core.console.plain`): a file name cannot move the
cursor or colour the log. Disabled (``--quiet``): nothing at all.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import Progress, TaskID

from rolwh.core.console import plain, safe


class Steps:
    """Counts finished items and shows each; :meth:`advance` after every item."""

    def __init__(self, title: str, total: int | None, stream: TextIO | None, bar: Progress | None) -> None:
        self.title = title
        self.total = total
        self.done = 0
        self._stream = stream
        self._bar = bar
        self._task: TaskID | None = bar.add_task(safe(title), total=total) if bar is not None else None

    def set_total(self, total: int) -> None:
        """The number of items, when it is known only once the step runs (dbt says it)."""
        self.total = total
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=total)

    def advance(self, label: str) -> None:
        """One more item finished: ``label`` names it (a file, a dbt node, a suite)."""
        self.done += 1
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, description=safe(f"{self.title} {label}"))
        elif self._stream is not None:
            count = f"{self.done}/{self.total}" if self.total else str(self.done)
            print(f"{plain(self.title)} [{count}] {plain(label)}", file=self._stream, flush=True)


@contextmanager
def progress_steps(
    title: str, total: int | None = None, *, enabled: bool = True, stream: TextIO | None = None
) -> Iterator[Steps]:
    """The progress of one step titled ``title`` (translated by the caller) over ``stream``
    (default stderr): a bar on a terminal, plain lines otherwise, nothing when not ``enabled``."""
    out = stream if stream is not None else sys.stderr
    if not enabled:
        yield Steps(title, total, None, None)
    elif not out.isatty():
        yield Steps(title, total, out, None)
    else:
        with Progress(console=Console(file=out), transient=True) as bar:
            yield Steps(title, total, None, bar)

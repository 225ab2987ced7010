"""A status line for long runs, on a terminal only: rewritten in place on stderr, erased
when the run is done, and never written to a file, a pipe or a CI log (whose output must be
the same from run to run)."""
from __future__ import annotations

import os
import shutil
import time
from typing import TextIO


def shows_progress(stream: TextIO) -> bool:
    """A person is watching `stream`: it is a terminal, not a CI job's, and not a dumb one."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return terminal and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


class Progress:
    def __init__(self, stream: TextIO, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.started = time.monotonic()
        self._showing = False

    def restart(self) -> None:
        self.started = time.monotonic()

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        line = f"mdcheck: {text}, {time.monotonic() - self.started:.1f} s"
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.stream.write("\r\033[K" + line[:width])
        self.stream.flush()
        self._showing = True

    def clear(self) -> None:
        if self.enabled and self._showing:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._showing = False

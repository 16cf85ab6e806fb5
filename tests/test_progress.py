"""Progress: a bar per project in a terminal, plain lines otherwise."""

from __future__ import annotations

import io

from kit.run.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(["medical"], ["01", "02"], stream=stream)
    progress.update("medical", "01", "running")
    progress.update("medical", "01", "done")
    progress.update("medical", "02", "failed")
    progress.close()
    lines = stream.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == ["medical: 01 done", "medical: 02 failed"]


def test_a_bar_per_project_in_a_terminal() -> None:
    stream = Terminal()
    progress = Progress(["medical", "support"], ["01", "02"], stream=stream)
    progress.update("support", "01", "done")
    progress.update("support", "02", "running")
    progress.close()
    text = stream.getvalue()
    assert "support" in text and "1/2" in text and "02 running" in text and "medical" in text

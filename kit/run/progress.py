"""Progress of a batch: a bar per project in a terminal, plain lines otherwise (CI, logs)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, projects: list[str], steps: list[str], stream=None):
        self.stream = stream or sys.stderr
        self.steps = steps
        self.started = {p: time.perf_counter() for p in projects}
        self.bars = {}
        if self.stream.isatty():
            from tqdm import tqdm

            width = max(len(p) for p in projects) if projects else 10
            self.bars = {
                p: tqdm(
                    total=len(steps),
                    desc=p.ljust(width),
                    position=i,
                    unit="step",
                    file=self.stream,
                    leave=True,
                    bar_format="{desc} {bar} {n}/{total} {postfix}",
                )
                for i, p in enumerate(projects)
            }

    def update(self, project: str, step: str, state: str) -> None:
        bar = self.bars.get(project)
        if bar is not None:
            bar.set_postfix_str(f"{step} {state}")
            if state in ("done", "failed"):
                bar.update(1)
            return
        if state != "running":
            elapsed = time.perf_counter() - self.started[project]
            print(f"{project}: {step} {state} ({elapsed:.1f} s)", file=self.stream, flush=True)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars = {}

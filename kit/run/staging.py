"""One project's folder under ``wbk run --out OUT``, replaced whole or not at all.

A run writes everything (executed notebooks, record.json, record.html) into a fresh staging
folder inside OUT, so on the same filesystem, and swaps it in by rename only when it has finished.
A crash, ``kill -9`` or Ctrl-C before that leaves the previous record as it was; a finished run
leaves no file of an earlier one behind (no stale notebook).

    OUT/<project>/                          the last finished run of that project
    OUT/.wbk/locks/<project>.lock           one writer per project (fcntl; the kernel drops it when
                                            its holder dies, even by kill -9)
    OUT/.wbk/<project>.XXXXXXXX.staging     a run in progress (or a leftover of a killed one)
    OUT/.wbk/<project>.XXXXXXXX.old         the previous record during the swap

A second run of the same project into the same OUT waits for the first to finish (it says so on
stderr), then runs: both finish, the later one's record stays. Leftovers of killed runs are removed
by the next run of that project, under its lock, so never while their own run is alive.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kit.atomic import fsync_folder

HIDDEN = ".wbk"
# mkdtemp's names: prefix, 8 characters of [a-z0-9_], suffix
_LEFTOVER = r"{name}\.[a-z0-9_]{{8}}\.(staging|old)"


def hidden(out: Path) -> Path:
    return out / HIDDEN


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def locked(path: Path, busy_message: str, notice: Callable[[str], None] = warn) -> Iterator[None]:
    """Hold an exclusive fcntl lock on ``path``; if another process holds it, say so and wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            notice(busy_message)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def project_lock(out: Path, name: str, notice: Callable[[str], None] = warn):
    return locked(
        hidden(out) / "locks" / f"{name}.lock",
        f"wbk run: another run is writing {out / name}; waiting for it to finish",
        notice,
    )


def index_lock(out: Path):
    return locked(hidden(out) / "locks" / "index.lock", f"wbk run: waiting to update {out / 'index.html'}")


def leftovers(out: Path, name: str) -> list[Path]:
    pattern = re.compile(_LEFTOVER.format(name=re.escape(name)))
    folder = hidden(out)
    return sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name)) if folder.is_dir() else []


def recover(out: Path, name: str) -> None:
    """Undo what a killed run left; call with the project's lock held. A run killed between the two
    renames of a swap left the previous record aside as .old: it goes back into place."""
    target = out / name
    for path in leftovers(out, name):
        if path.suffix == ".old" and not target.exists():
            os.rename(path, target)
        else:
            shutil.rmtree(path)


def publish(staging: Path, target: Path) -> None:
    """Swap the finished staging folder in: the previous folder aside, the new one in, the old
    removed. Between the two renames the previous record is whole under .wbk (recover puts it back)."""
    fsync_folder(staging)
    aside = None
    if target.exists():
        aside = Path(tempfile.mkdtemp(prefix=f"{target.name}.", suffix=".old", dir=staging.parent))
        os.rename(target, aside)  # replaces the empty folder mkdtemp made
    os.rename(staging, target)
    fsync_folder(target.parent)
    fsync_folder(staging.parent)
    if aside is not None:
        shutil.rmtree(aside)


@contextmanager
def project_folder(out: Path, name: str, notice: Callable[[str], None] = warn) -> Iterator[Path]:
    """A fresh folder to write one project's run into; swapped in as OUT/<name> when the block
    finishes, removed if it raises (the previous record stays)."""
    with project_lock(out, name, notice):
        recover(out, name)
        staging = Path(tempfile.mkdtemp(prefix=f"{name}.", suffix=".staging", dir=hidden(out)))
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the published record from other readers
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        publish(staging, out / name)

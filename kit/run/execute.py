"""Execute step notebooks: papermill parameterises them, nbclient runs them in a shared kernel.

A batch process keeps one kernel for all its notebooks, so kernel start and the heavy imports are
paid once, not once per step or project; every notebook starts with ``%reset -f``, so no step sees
another's variables. A kernel that dies while starting (a port race seen when several start at
once) is retried once.
"""

from __future__ import annotations

import copy
import functools
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_event_loop, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

from kit.paths import NOTEBOOKS

KERNEL_NAME = "python3"
RESET_TAG = "wbk-reset"
CELL_TIMEOUT = 600
# Imported while a kernel waits for its first notebook, so the imports overlap other work.
WARM_UP = "import kit.workbook, kit.decide.evidence, kit.record.render, kit.checks.engine.count, pandas"


class EncryptedTransportKernelManager(AsyncKernelManager):
    """Asks for CurveZMQ where available: silences ipykernel's "running over TCP" warning."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("transport_encryption", "auto")
        super().__init__(**kwargs)


class UnknownParameterError(ValueError):
    pass


@dataclass
class StepFailure:
    step: str
    cell: int  # index of the failing cell in the executed notebook
    error: str  # ename: evalue

    def as_dict(self) -> dict:
        return {"step": self.step, "cell": self.cell, "error": self.error}


def step_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


@functools.cache
def _source(path: Path, mtime_ns: int) -> tuple[nbformat.NotebookNode, frozenset[str]]:
    """A step notebook and the parameters it declares, read once per version of the file."""
    # papermill is imported here, not at the top: a batch spawns its first kernel before paying for it.
    from papermill import inspect_notebook
    from papermill.iorw import load_notebook_node

    return load_notebook_node(str(path)), frozenset(inspect_notebook(str(path)))


def prepare(path: Path, parameters: dict[str, Any], cwd: Path | None = None) -> nbformat.NotebookNode:
    """The notebook with parameters injected; a parameter it does not declare is an error. With
    ``cwd`` the kernel works in that folder for this notebook, so parameters can be relative to
    it (the project) and no absolute path of this machine is written into the notebook."""
    from papermill.parameterize import parameterize_notebook

    source, declared = _source(path, path.stat().st_mtime_ns)
    unknown = set(parameters) - declared
    if unknown:
        raise UnknownParameterError(
            f"{path.name} has no parameter {', '.join(sorted(unknown))}; "
            f"it declares {', '.join(sorted(declared))}"
        )
    nb = copy.deepcopy(source)  # papermill's loader gave every cell the tags parameterize expects
    nb = parameterize_notebook(nb, parameters, kernel_name=KERNEL_NAME, language="python")
    setup = "%reset -f" + (f"\nimport os\nos.chdir({str(cwd)!r})\ndel os" if cwd else "")
    reset = nbformat.v4.new_code_cell(setup)  # stripped after the run, with the path it holds
    reset.metadata["tags"] = [RESET_TAG]
    nb.cells.insert(0, reset)
    return nb


class Kernel:
    """One kernel that runs several notebooks in turn.

    ``Kernel()`` only spawns the process and queues the warm-up imports; ``run`` waits for it to
    be ready. Everything that talks to the kernel runs on one private thread: nbclient only claims
    SIGINT on the main thread (and then shuts the kernel down and carries on), so this way Ctrl-C
    reaches the batch as KeyboardInterrupt and stops it.
    """

    def __init__(self, cwd: Path = NOTEBOOKS):
        self.cwd = cwd
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wbk-kernel")
        self._call(self._spawn)

    def _call(self, fn, *args, timeout: float | None = None):
        return self._thread.submit(fn, *args).result(timeout=timeout)

    def _spawn(self) -> None:
        self.km = EncryptedTransportKernelManager(kernel_name=KERNEL_NAME)
        run_sync(self.km.start_kernel)(cwd=str(self.cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.execute(WARM_UP, silent=True)  # zmq queues it until the kernel listens
        self._ready = False

    def _wait_until_ready(self) -> None:
        if self._ready:
            return
        try:
            run_sync(self.kc.wait_for_ready)(timeout=60)
        except RuntimeError:  # "Kernel died before replying": a port race; one retry
            self._stop()
            self._spawn()
            run_sync(self.kc.wait_for_ready)(timeout=60)
        self._ready = True

    def run(self, nb: nbformat.NotebookNode, step: str) -> StepFailure | None:
        """Execute in place; on a failing cell stop there and say where (the outputs stay)."""
        return self._call(self._run, nb, step)

    def _run(self, nb: nbformat.NotebookNode, step: str) -> StepFailure | None:
        self._wait_until_ready()
        # nbclient's own way to run in a kernel it does not own: given km, it connects a client of
        # its own (a kernel_info round trip) and leaves the kernel running; its channels are ours
        # to close.
        client = NotebookClient(
            nb,
            km=self.km,
            kernel_name=KERNEL_NAME,
            timeout=CELL_TIMEOUT,
            allow_errors=False,
            record_timing=False,
        )
        try:
            client.execute()
        except CellExecutionError as exc:
            failed = [
                i
                for i, c in enumerate(nb.cells)
                if any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ]
            index = failed[0] - 1 if failed else -1  # minus the reset cell
            return StepFailure(step, index, f"{exc.ename}: {exc.evalue}")
        except DeadKernelError as exc:
            return StepFailure(step, -1, f"kernel died: {exc}")
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
            strip_reset_cell(nb)
        return None

    def shutdown(self) -> None:
        """Stop the kernel; if a cell will not let go within 20 s, kill the process."""
        try:
            self._call(self._stop, timeout=20)
        except FuturesTimeout:
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            if process is not None:
                process.kill()
        self._thread.shutdown(wait=False)

    def _stop(self) -> None:
        self.kc.stop_channels()
        if run_sync(self.km.is_alive)():
            run_sync(self.km.shutdown_kernel)(now=True)
        loop = ensure_event_loop()  # this thread's loop, made by run_sync: close it with the kernel
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


class KernelSession:
    """The kernel a batch process runs its projects in, owned for the length of a ``with`` block
    (as nbclient's ``setup_kernel`` owns one for a notebook): spawned on first use, or at once
    with ``start=True`` so its start overlaps the imports that follow; ``discard`` stops it after
    a failure (the next project gets a fresh one); leaving the block stops it.

        with KernelSession() as session:
            for job in jobs:
                failure = session.kernel().run(nb, step)
    """

    def __init__(self, start: bool = False):
        self._kernel: Kernel | None = Kernel() if start else None

    def kernel(self) -> Kernel:
        """The kernel of earlier projects: imports already paid; each notebook starts with
        %reset -f, so no project or step sees another's variables."""
        if self._kernel is None:
            self._kernel = Kernel()
        return self._kernel

    def discard(self) -> None:
        """Stop the kernel, if one runs: a failure may have left it in any state."""
        kernel, self._kernel = self._kernel, None
        if kernel is not None:
            kernel.shutdown()

    def __enter__(self) -> KernelSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()


def strip_reset_cell(nb: nbformat.NotebookNode) -> None:
    nb.cells = [c for c in nb.cells if RESET_TAG not in c.get("metadata", {}).get("tags", [])]

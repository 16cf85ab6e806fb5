"""Execute step notebooks: papermill parameterises them, nbclient runs them in a shared kernel.

A batch process keeps one kernel for all its notebooks, so kernel start and the heavy imports are
paid once, not once per step or project; every notebook starts with ``%reset -f``, so no step sees
another's variables. A kernel that dies while starting (a port race seen when several start at
once) is retried once.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

from kit.paths import NOTEBOOKS

KERNEL_NAME = "python3"
RESET_TAG = "wbk-reset"
CELL_TIMEOUT = 600
# Imported while a kernel waits for its first notebook, so the imports overlap other work.
WARM_UP = "import kit.workbook, kit.evidence, kit.render, pandas, pandera.pandas, matplotlib.figure"


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


def prepare(path: Path, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """The notebook with parameters injected; a parameter it does not declare is an error."""
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
    reset = nbformat.v4.new_code_cell("%reset -f")
    reset.metadata["tags"] = [RESET_TAG]
    nb.cells.insert(0, reset)
    return nb


class Kernel:
    """One kernel that runs several notebooks in turn.

    ``Kernel()`` only spawns the process and queues the warm-up imports; ``run`` waits for it to
    be ready. So a batch can spawn the next project's kernel while the current one works.
    """

    def __init__(self, cwd: Path = NOTEBOOKS):
        self.cwd = cwd
        self._spawn()

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
            self.shutdown()
            self._spawn()
            run_sync(self.kc.wait_for_ready)(timeout=60)
        self._ready = True

    def run(self, nb: nbformat.NotebookNode, step: str) -> StepFailure | None:
        """Execute in place; on a failing cell stop there and say where (the outputs stay)."""
        self._wait_until_ready()
        client = NotebookClient(
            nb,
            km=self.km,
            kernel_name=KERNEL_NAME,
            timeout=CELL_TIMEOUT,
            allow_errors=False,
            record_timing=False,
        )
        client.kc = self.kc  # reuse the started client: no new connection per notebook
        try:
            client.execute()
        except CellExecutionError as exc:
            index = next(
                (
                    i
                    for i, c in enumerate(nb.cells)
                    if any(o.get("output_type") == "error" for o in c.get("outputs", []))
                ),
                -1,
            )
            return StepFailure(step, index - 1, f"{exc.ename}: {exc.evalue}")  # minus the reset cell
        except DeadKernelError as exc:
            return StepFailure(step, -1, f"kernel died: {exc}")
        finally:
            strip_reset_cell(nb)
        return None

    def shutdown(self) -> None:
        self.kc.stop_channels()
        if run_sync(self.km.is_alive)():
            run_sync(self.km.shutdown_kernel)(now=True)


def strip_reset_cell(nb: nbformat.NotebookNode) -> None:
    nb.cells = [c for c in nb.cells if RESET_TAG not in c.get("metadata", {}).get("tags", [])]

"""``wbk review``: the review page (notebooks/review.ipynb) served by Voilà on this machine only.

Voilà runs the notebook and shows its widgets with no code and no Jupyter UI. The server binds
to 127.0.0.1 and requires a token, like Jupyter's own servers: ``JUPYTER_TOKEN`` when set, else a
fresh random one; the URL printed carries it. Anything after ``--`` goes to Voilà unchanged.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

from kit.answers import acceptances, signoff
from kit.answers import loading as answers_io
from kit.findings import AnswersError
from kit.paths import NOTEBOOKS

REVIEW_NOTEBOOK = NOTEBOOKS / "review.ipynb"
DEFAULT_PORT = 8866  # Voilà's own default
HOST = "127.0.0.1"


def free_port(preferred: int) -> int:
    """``preferred`` when it is free on localhost, else any free port."""
    for candidate in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind((HOST, candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free port on 127.0.0.1")


def review_command(port: int, token: str, open_browser: bool, voila_args: list[str]) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "voila",
        str(REVIEW_NOTEBOOK),
        f"--Voila.ip={HOST}",
        f"--port={port}",
        "--Voila.port_retries=0",  # the printed URL must be the one served
        f"--Voila.token={token}",
        "--theme=light",
    ]
    if not open_browser:
        command.append("--no-browser")
    return [*command, *voila_args]


def start_review(
    project: Path, port: int | None = None, open_browser: bool = True, voila_args: list[str] | None = None
) -> int:
    try:
        loaded = answers_io.load(project)  # refuse a broken file here, with its located errors
        as_of = loaded.answers.project.as_of
        problems = signoff.date_findings(loaded.answers, loaded.document, as_of)
        problems += acceptances.findings(loaded.answers, loaded.document, as_of)
        if problems:
            raise AnswersError(problems)
    except AnswersError as exc:
        print(f"wbk review: the answers cannot be reviewed:\n{exc}", file=sys.stderr)
        return 1
    chosen = port or free_port(DEFAULT_PORT if port is None else 0)  # --port 0: any free port
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(24)
    # Absolute: Voilà's kernel runs in the notebooks folder, where a relative path points nowhere.
    project_dir = str(loaded.project_dir.resolve())
    env = {**os.environ, "WBK_REVIEW_PROJECT": project_dir, "JUPYTER_PREFER_ENV_PATH": "1"}
    print(f"review page for {loaded.answers.project.name} ({loaded.document.path}):", flush=True)
    print(f"    http://{HOST}:{chosen}/?token={token}", flush=True)
    return serve(review_command(chosen, token, open_browser, voila_args or []), env)


def serve(command: list[str], env: dict[str, str]) -> int:
    """Run the server until it stops; a SIGTERM to wbk stops it (and its kernel) too."""
    server = subprocess.Popen(command, env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:  # Ctrl-C reached the server as well: let it shut its kernel down
        try:
            return server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            return server.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)

"""Real database servers for tests, one of each per test session: a throwaway PostgreSQL cluster
(Debian's postgresql package, Unix socket only) and a local PySpark session (Debian's Java).

When the server or Java is missing, tests skip with the reason locally and fail under CI (``CI`` set):
CI must exercise every backend.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI runs every backend; .ci/run installs it)")
    pytest.skip(reason)


def postgres_bin(tool: str) -> str | None:
    """Debian keeps the server tools in /usr/lib/postgresql/<version>/bin, off the PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(tool)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class PostgresServer:
    socket_dir: str
    port: int
    user: str = "wbk"
    database: str = "postgres"

    def url(self, password: str | None = None) -> str:
        secret = f":{password}" if password else ""
        return f"postgres://{self.user}{secret}@/{self.database}?host={self.socket_dir}&port={self.port}"


def _as_postgres(args: list[str]) -> list[str]:
    """initdb refuses to run as root; the Debian package creates the postgres user for it."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres_server():
    initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
    if not initdb or not pg_ctl:
        missing("PostgreSQL server is not installed (apt-get install postgresql)")
    data = Path(tempfile.mkdtemp(prefix="wbk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()

    def run(*args: str) -> None:  # in the data dir: the postgres user may not read the caller's folder
        done = subprocess.run(_as_postgres(list(args)), capture_output=True, text=True, cwd=data, check=False)
        if done.returncode:
            pytest.fail(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")

    run(initdb, "-D", str(data), "-A", "trust", "-U", "wbk", "--no-sync")
    options = f"-p {port} -k {data} -c listen_addresses='' -c fsync=off"
    run(pg_ctl, "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start")
    try:
        yield PostgresServer(str(data), port)
    finally:
        run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(data, ignore_errors=True)


SPARK_LOG: Path | None = None  # where the test session's Spark JVM writes its log


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory):
    if not shutil.which("java"):
        missing("Java is not installed (apt-get install default-jre-headless)")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        missing("pyspark is not installed (pip install -e '.[test]')")
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    # The JVM inherits this process's stderr when it starts: point it at a file for the start, so
    # Spark's own log (log4j, to the JVM's stderr) can be read by tests (SPARK_LOG).
    global SPARK_LOG
    SPARK_LOG = warehouse.parent / "spark-jvm.log"
    saved = os.dup(2)
    with open(SPARK_LOG, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            session = (
                SparkSession.builder.master("local[2]")
                .appName("wbk-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.warehouse.dir", str(warehouse))
                .config("spark.driver.memory", "1g")
                .getOrCreate()
            )
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


@dataclass(frozen=True)
class SparkConnectServer:
    url: str  # sc://127.0.0.1:PORT
    warehouse: Path


@pytest.fixture(scope="session")
def spark_connect_server(tmp_path_factory):
    """pyspark's own Spark Connect server (its jars ship the service; it runs offline), local[2],
    started in a temp folder so nothing it writes lands elsewhere; stopped at the end."""
    if not shutil.which("java"):
        missing("Java is not installed (apt-get install default-jre-headless)")
    try:
        import grpc  # noqa: F401  (the pyspark[connect] extra)
        import pyspark
    except ImportError:
        missing("the Spark Connect client is not installed (pip install 'pyspark[connect]')")
    home = Path(pyspark.__file__).parent
    work = tmp_path_factory.mktemp("spark-connect")
    port = free_port()
    command = [
        str(home / "bin" / "spark-submit"),
        "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--master", "local[2]",
        "--conf", f"spark.connect.grpc.binding.port={port}",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=4",
        "--conf", f"spark.sql.warehouse.dir={work / 'warehouse'}",
        "--conf", f"spark.driver.extraJavaOptions=-Dderby.stream.error.file={work / 'derby.log'}",
        "spark-internal",
    ]  # fmt: skip
    log = open(work / "server.log", "wb")  # noqa: SIM115  (open for the server's life)
    server = subprocess.Popen(
        command, cwd=work, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "SPARK_HOME": str(home)},
        start_new_session=True,
    )  # fmt: skip
    try:
        if not _listening(port, server, seconds=180):
            pytest.fail(f"Spark Connect server did not start: {(work / 'server.log').read_text()[-2000:]}")
        yield SparkConnectServer(f"sc://127.0.0.1:{port}", work / "warehouse")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
        log.close()


def _listening(port: int, process: subprocess.Popen, seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.5)
    return False

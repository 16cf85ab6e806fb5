"""Connections (connections.yaml and WBK_CONNECTION_ variables) and real PostgreSQL and Spark backends."""

from __future__ import annotations

import copy
import csv
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from backend_servers import postgres_server, spark_connect_server, spark_session  # noqa: F401  (session fixtures)
from test_engine_claims import PLANTED_BY_RULE, claims_project

from kit.checks.engine import connections
from kit.findings import AnswersError

ANSWERS = """\
problem_boundaries:
  data:
    sources:
      - id: lab_results
        sample: data/lab_results.csv
      - id: claims
        connection: warehuose
        table: claims
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A folder with answers.yaml naming a connection, and no WBK_CONNECTION_ variables set."""
    for var in [v for v in __import__("os").environ if v.startswith(connections.ENV_PREFIX)]:
        monkeypatch.delenv(var)
    (tmp_path / "answers.yaml").write_text(ANSWERS, encoding="utf-8")
    yield tmp_path
    connections.close_all()


def write_connections(project: Path, text: str) -> None:
    (project / "connections.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(f) for f in exc.value.findings]


# --- specs and their errors ------------------------------------------------------------------------


def test_a_file_defines_connections_of_every_kind(project):
    write_connections(
        project,
        """\
        warehouse:
          backend: postgres
          socket_dir: /run/postgresql
          database: claims
          user: analyst
          password_env: WAREHOUSE_PASSWORD
        lake: {backend: pyspark, master: "local[2]", warehouse: lake, conf: {spark.sql.shuffle.partitions: "4"}}
        local: {backend: duckdb, database: data/warehouse.duckdb}
        """,
    )
    found = connections.defined(project)
    assert {n: c.backend for n, c in found.items()} == {
        "warehouse": "postgres",
        "lake": "pyspark",
        "local": "duckdb",
    }
    assert found["warehouse"].options.socket_dir == "/run/postgresql"
    assert found["warehouse"].origin == f"{project / 'connections.yaml'}:2:3"
    assert found["lake"].options.conf == {"spark.sql.shuffle.partitions": "4"}


@pytest.mark.parametrize(
    ("spec", "where", "words"),
    [
        ("w: {backend: postgre, database: x}", "1:14", "did you mean 'postgres'"),
        (
            "w:\n  backend: postgres\n  hots: db\n  database: x",
            "3:3",
            "unknown option 'hots' for postgres; did you mean 'host'",
        ),
        ("w:\n  backend: postgres\n  host: db", "2:3", "database: Field required"),
        (
            "w:\n  backend: postgres\n  database: x\n  port: seventy",
            "4:9",
            "port: Input should be a valid integer",
        ),
        (
            "w:\n  backend: postgres\n  database: x\n  password: hunter2",
            "4:3",
            "name a variable: password_env",
        ),
        (
            "w: {backend: postgres, database: x, host: a, socket_dir: /s}",
            "1:4",
            "host or socket_dir, not both",
        ),
        ("w: [duckdb]", "1:4", "expected a mapping with backend"),
        ("2w: {backend: duckdb}", "1:1", "use letters, digits and _"),
    ],
)
def test_a_bad_spec_is_a_located_error(project, spec, where, words):
    write_connections(project, spec + "\n")
    with pytest.raises(AnswersError) as exc:
        connections.defined(project)
    (message,) = messages(exc)
    assert message.startswith(f"{project / 'connections.yaml'}:{where}: error: ")
    assert words in message
    assert "hunter2" not in message


def test_an_unknown_name_points_at_the_answers_line_and_suggests(project):
    write_connections(project, "warehouse: {backend: duckdb}\n")
    with pytest.raises(connections.UnknownConnection) as exc:
        connections.connect("warehuose", project)
    (message,) = messages(exc)
    assert message.startswith(
        f"{project / 'answers.yaml'}:7:21: error: problem_boundaries.data.sources[1].connection: "
        "unknown connection 'warehuose'; did you mean 'warehouse'?"
    )
    assert "WBK_CONNECTION_WAREHUOSE" in message


def test_the_environment_overrides_the_file_and_keeps_its_password_out_of_messages(project, monkeypatch):
    write_connections(project, "warehouse: {backend: duckdb}\n")
    monkeypatch.setenv(
        "WBK_CONNECTION_WAREHOUSE", "postgres://analyst:pa55word@db.internal:5433/claims?schema=s1"
    )
    connection = connections.defined(project)["warehouse"]
    assert connection.origin == "WBK_CONNECTION_WAREHOUSE"
    options = connection.options
    assert (options.host, options.port, options.database, options.user, options.db_schema) == (
        "db.internal",
        5433,
        "claims",
        "analyst",
        "s1",
    )
    assert "pa55word" not in connection.describe() and "pa55word" not in repr(options)
    monkeypatch.setenv("WBK_CONNECTION_WAREHOUSE", "postgress://analyst:pa55word@db/claims")
    with pytest.raises(AnswersError) as exc:
        connections.defined(project)
    (message,) = messages(exc)
    assert message.startswith("WBK_CONNECTION_WAREHOUSE: error: not a connection URL")
    assert "pa55word" not in message and "analyst:***@db" in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("duckdb://", {"backend": "duckdb"}),
        ("duckdb:///srv/w.duckdb", {"backend": "duckdb", "database": "/srv/w.duckdb"}),
        ("duckdb://data/w.duckdb", {"backend": "duckdb", "database": "data/w.duckdb"}),
        (
            "postgresql://u@/claims?host=/run/postgresql&port=5434",
            {
                "backend": "postgres",
                "socket_dir": "/run/postgresql",
                "port": 5434,
                "database": "claims",
                "user": "u",
            },
        ),
        (
            "pyspark://spark://head:7077?warehouse=/lake&conf.spark.sql.shuffle.partitions=8",
            {
                "backend": "pyspark",
                "master": "spark://head:7077",
                "warehouse": "/lake",
                "conf": {"spark.sql.shuffle.partitions": "8"},
            },
        ),
    ],
)
def test_urls_of_every_kind(url, expected):
    assert connections.parse_url(url).model_dump(exclude_defaults=True) == expected


# --- DuckDB: a connection opened once, closed at the end --------------------------------------------


def test_a_duckdb_file_opens_once_and_closes(project):
    (project / "data").mkdir()
    with duckdb.connect(str(project / "data" / "w.duckdb")) as con:
        con.execute("create table claims as select range as claim_id from range(7)")
    write_connections(project, "warehouse: {backend: duckdb, database: data/w.duckdb}\n")
    backend = connections.connect("warehouse", project)
    assert backend.table("claims").count().execute() == 7
    assert connections.connect("warehouse", project) is backend
    connections.close_all()
    with pytest.raises(duckdb.ConnectionException):
        backend.raw_sql("select 1")
    assert connections.connect("warehouse", project) is not backend  # reopened on demand


# --- PostgreSQL --------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_through_the_socket_with_a_password_from_the_environment(
    project, postgres_server, monkeypatch
):
    write_connections(
        project,
        f"""\
        warehouse:
          backend: postgres
          socket_dir: {postgres_server.socket_dir}
          port: {postgres_server.port}
          database: postgres
          user: wbk
          password_env: WBK_TEST_PASSWORD
        """,
    )
    monkeypatch.setenv("WBK_TEST_PASSWORD", "not-checked-under-trust")
    backend = connections.connect("warehouse", project)
    assert backend.raw_sql("select current_user").fetchone() == ("wbk",)
    assert sessions(postgres_server) == 1
    connections.close_all()
    assert sessions(postgres_server) == 0


@pytest.mark.postgres
def test_postgres_from_an_environment_url(project, postgres_server, monkeypatch):
    monkeypatch.setenv("WBK_CONNECTION_WAREHOUSE", postgres_server.url(password="x"))
    backend = connections.connect("warehouse", project)
    assert backend.raw_sql("select 6 * 7").fetchone() == (42,)


@pytest.mark.postgres
def test_a_server_that_refuses_is_a_message_naming_the_connection_not_a_traceback(project, postgres_server):
    write_connections(
        project,
        f"warehouse: {{backend: postgres, socket_dir: {postgres_server.socket_dir}, port: 1, database: postgres}}\n",
    )
    with pytest.raises(AnswersError) as exc:
        connections.connect("warehouse", project)
    (message,) = messages(exc)
    assert message.startswith(
        f"{project / 'connections.yaml'}:1:12: error: cannot open connection 'warehouse' (backend=postgres"
    )
    assert "No such file or directory" in message or "connection" in message


def sessions(server) -> int:
    """Client sessions other than this probe's."""
    import psycopg

    with psycopg.connect(host=server.socket_dir, port=server.port, user="wbk", dbname="postgres") as con:
        query = "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()"
        return con.execute(query).fetchone()[0]


# --- Spark ---------------------------------------------------------------------------------------------


@pytest.mark.spark
def test_spark_reuses_the_running_session_and_never_stops_it(project, spark_session):
    spark_session.range(5).write.mode("overwrite").saveAsTable("five")
    write_connections(project, "lake: {backend: pyspark}\n")
    backend = connections.connect("lake", project)
    assert backend.table("five").count().execute() == 5
    connections.close_all()
    assert spark_session.range(3).count() == 3  # still running


# --- the same rules, the same counts on DuckDB, PostgreSQL and Spark -----------------------------------
# One project holds the medical example, the engine's seeded claims tables with their planted
# defects, and rules of every kind; DuckDB reads its sample files, the other backends tables loaded
# with the very columns DuckDB read.

MEDICAL_RULES = [
    {
        "id": "above_range",
        "dataset": "lab_results",
        "columns": ["value", "ref_high"],
        "check": "compare",
        "params": {"op": "<="},
        "severity": "warning",
    },
    {
        "id": "collected_this_autumn",
        "dataset": "lab_results",
        "columns": ["collected_on"],
        "check": "compare",
        "params": {"op": ">=", "value": "2026-09-01"},
        "severity": "warning",
    },
    {
        "id": "unit_text_order",
        "dataset": "lab_results",
        "columns": ["unit"],
        "check": "compare",
        "params": {"op": "<", "value": "mmol/L"},
        "severity": "warning",
    },
    {
        "id": "patient_has_results",
        "dataset": "patients",
        "columns": ["patient_id"],
        "check": "references",
        "params": {"dataset": "lab_results", "column": "patient_id"},
        "severity": "warning",
    },
    {
        "id": "test_in_catalogue",
        "dataset": "lab_results",
        "columns": ["test_name"],
        "check": "references",
        "params": {"dataset": "reference_ranges", "column": "test_name"},
        "severity": "condition",
    },
    {
        "id": "enough_results",
        "dataset": "lab_results",
        "columns": [],
        "check": "row_count",
        "params": {"min": 4000},
        "severity": "warning",
    },
    {
        "id": "value_in_twice_range",
        "dataset": "lab_results",
        "columns": [],
        "check": "expression",
        "params": {"sql": "value BETWEEN 0 AND 2 * ref_high AND length(test_code) <= 7"},
        "severity": "warning",
    },
    {
        "id": "glucose_flag",
        "dataset": "lab_results",
        "columns": ["flag", "value", "ref_low", "ref_high"],
        "check": "consistent_flag",
        "params": {},
        "where": "test_name = 'Glucose'",
        "severity": "warning",
    },
    {
        "id": "high_values_have_units",
        "dataset": "lab_results",
        "columns": ["unit"],
        "check": "not_null",
        "where": "value > 100",
        "severity": "warning",
    },
    {
        "id": "recent_unique",
        "dataset": "lab_results",
        "columns": ["order_id", "test_code"],
        "check": "unique",
        "where": "collected_on >= DATE '2026-09-01'",
        "severity": "warning",
    },
]
# Text of generated notices with planted defects, and the rules of the text kinds and a join.
BANNED, PHONE = ("young", "digital native"), r"\d{3} \d{4}"


def notices() -> tuple[list[dict], list[dict], dict[str, set[int]]]:
    """(notices, carriers, planted: rule id -> ids of the notices it must find), seeded by index."""
    rows, planted = [], {k: set() for k in ("no_banned", "has_policy", "short", "grounded", "carrier_named")}
    for i in range(240):
        delay = 15 + i % 90
        words = [
            "Flight",
            f"F{i:04d}",
            "is",
            "delayed",
            "by",
            f"{delay:,}",
            "minutes",
            "on",
            "1 November 2026.",
        ]
        if i % 7 == 0:
            words += ["Our", "young" if i % 14 else "Digital Native", "crew", "apologises."]
            planted["no_banned"].add(i)
        if i % 11 == 0:
            words += ["Call", "555", "1234."]
            planted["no_banned"].add(i)
            planted["grounded"].add(i)  # 555 and 1234 ground nothing
        if i % 5:
            words += ["See", "our", "Delay", "Policy."]
        else:
            planted["has_policy"].add(i)
        if i % 13 == 0:
            words += ["We", "are", "very", "sorry"] * 10
            planted["short"].add(i)
        if i % 9 == 0:
            words += ["Compensation:", f"{delay + 1}", "EUR."]
            planted["grounded"].add(i)
        carrier = ["AA", "DL", "UA"][i % 3]
        named = {"AA": "American", "DL": "Delta", "UA": "United"}[carrier]
        if i % 17 == 0:
            named = "Lufthansa"
            planted["carrier_named"].add(i)
        rows.append(
            {
                "notice_id": i,
                "text": " ".join(words),
                "delay": delay,
                "flight_date": "2026-11-01",
                "carrier": carrier,
                "carrier_name": named,
            }
        )
    carriers = [{"carrier": c, "name": n} for c, n in (("AA", "American"), ("DL", "Delta"), ("UA", "United"))]
    carriers.append({"carrier": "AA", "name": "American"})  # a repeated key that agrees: one row still
    return rows, carriers, planted


TEXT_RULES = [
    {
        "id": "no_banned",
        "dataset": "notices",
        "columns": ["text"],
        "check": "contains_none",
        "params": {"words": list(BANNED), "patterns": [PHONE]},
        "severity": "warning",
    },
    {
        "id": "has_policy",
        "dataset": "notices",
        "columns": ["text"],
        "check": "contains_all",
        "params": {"phrases": ["delay policy"]},
        "severity": "warning",
    },
    {
        "id": "short",
        "dataset": "notices",
        "columns": ["text"],
        "check": "length",
        "params": {"max_words": 30, "min_chars": 10},
        "severity": "warning",
    },
    {
        "id": "grounded",
        "dataset": "notices",
        "columns": ["text", "notice_id", "delay", "flight_date"],
        "check": "grounded",
        "severity": "warning",
    },
    {
        "id": "carrier_named",
        "dataset": "notices",
        "join": [{"dataset": "carriers", "on": {"carrier": "carrier"}}],
        "columns": ["carrier_name", "carriers.name"],
        "check": "compare",
        "params": {"op": "=="},
        "severity": "warning",
    },
]


def write_notices(project: Path) -> dict[str, set[int]]:
    rows, carriers, planted = notices()
    for name, table in (("notices", rows), ("carriers", carriers)):
        with open(project / "data" / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(table[0]))
            writer.writeheader()
            writer.writerows(table)
    return planted


MEDICAL = Path(__file__).resolve().parent.parent / "examples" / "medical_reports"
KINDS_COVERED = {
    "contains_none",
    "contains_all",
    "length",
    "grounded",
    "compare",
    "references",
    "row_count",
    "expression",
    "unique",
    "not_null",
    "in_set",
    "between",
    "matches",
    "fresh_within",
    "consistent_flag",
}


def every_kind_project(folder: Path) -> tuple[Path, dict[str, list[str]]]:
    from kit.answers import yamlfile

    project, planted = claims_project(folder, "data/claims.parquet")
    planted_text = write_notices(project)
    planted.update({f"text:{k}": sorted(v) for k, v in planted_text.items()})
    document = yamlfile.read(project / "answers.yaml")
    sources = document.tree["problem_boundaries"]["data"]["sources"]
    for name in ("notices", "carriers"):
        sources.append({**copy.deepcopy(dict(sources[0])), "id": name, "sample": f"data/{name}.csv"})
    document.tree["data_quality"]["rules"].extend(MEDICAL_RULES + TEXT_RULES)
    (project / "answers.yaml").write_text(yamlfile.dump(document.tree), encoding="utf-8")
    return project, planted


def tables_as_duckdb_reads_them(project: Path) -> dict:
    """Every source with a sample, as the engine reads it on DuckDB: the same typed columns everywhere."""
    from kit.answers import loading
    from kit.checks.engine import datasets

    sources = loading.load(project).answers.problem_boundaries.data.sources
    return {s.id: datasets.open_source(s, project).to_pyarrow() for s in sources if s.sample}


def point_at(project: Path, connection: str, only: str | None = None) -> None:
    """Every source with a sample (or only the source ``only``) reads table <source id> on ``connection``."""
    from kit.answers import yamlfile

    path = project / "answers.yaml"
    document = yamlfile.read(path)
    outputs_read = document.tree["data_quality"]["generated_outputs"]["input_dataset"]
    for source in document.tree["problem_boundaries"]["data"]["sources"]:
        if only not in (None, source["id"]) or not (source.get("sample") or source.get("table")):
            continue
        if source["id"] != outputs_read:  # answers validation still wants the outputs' input sample
            source.pop("sample", None)
        source["connection"], source["table"] = connection, source["id"]
    path.write_text(yamlfile.dump(document.tree), encoding="utf-8")


def outcomes(project: Path) -> dict[str, tuple]:
    from kit.answers import loading
    from kit.checks import rules

    report = rules.run(loading.load(project))
    assert [str(f) for f in report.findings] == []
    connections.close_all()
    return {r.id: (r.checked, r.failed, r.status, r.error) for r in report.results}


@pytest.fixture(scope="module")
def on_duckdb(tmp_path_factory) -> dict[str, tuple]:
    from kit.answers import loading

    project, planted = every_kind_project(tmp_path_factory.mktemp("duckdb"))
    found = outcomes(project)
    assert all(not error for *_, error in found.values()), found
    kinds = {r.check for r in loading.load(project).answers.data_quality.rules}
    assert kinds == KINDS_COVERED
    for rule, plant in PLANTED_BY_RULE.items():  # planted facts, not only agreement
        assert found[rule][1] == len(planted[plant]), rule
    for rule in TEXT_RULES:
        assert found[rule["id"]][1] == len(planted[f"text:{rule['id']}"]), rule["id"]
    assert found["patient_has_results"][1] == 36  # counted independently, by an anti join in DuckDB
    return found


def differences(found: dict, expected: dict) -> dict:
    return {i: (found.get(i), want) for i, want in expected.items() if found.get(i) != want}


@pytest.mark.postgres
def test_postgres_gives_the_same_counts_and_statuses_as_duckdb(
    on_duckdb, postgres_server, tmp_path, monkeypatch
):
    import ibis

    project, _ = every_kind_project(tmp_path)
    tables = tables_as_duckdb_reads_them(project)
    server = ibis.postgres.connect(
        host=postgres_server.socket_dir, port=postgres_server.port, user="wbk", database="postgres"
    )
    for name, table in tables.items():
        server.raw_sql(f"DROP TABLE IF EXISTS {name}").close()  # ibis 12's overwrite=True emits a bare DROP
        server.create_table(name, table)
    server.disconnect()
    point_at(project, "clinic")
    monkeypatch.setenv("WBK_CONNECTION_CLINIC", postgres_server.url())
    assert differences(outcomes(project), on_duckdb) == {}
    assert scans(postgres_server) == dict.fromkeys(tables, True)  # the rules read the server's tables


def scans(server) -> dict[str, bool]:
    import psycopg

    with psycopg.connect(host=server.socket_dir, port=server.port, user="wbk", dbname="postgres") as con:
        rows = con.execute("select relname, seq_scan > 0 from pg_stat_user_tables").fetchall()
    return dict(rows)


@pytest.mark.spark
@pytest.mark.timeout(480)  # every kind's count and examples, each a Spark job, on a shared 2-core machine
def test_spark_gives_the_same_counts_and_statuses_as_duckdb(on_duckdb, spark_session, tmp_path):
    import pyarrow.parquet as pq

    project, _ = every_kind_project(tmp_path)
    for name, table in tables_as_duckdb_reads_them(project).items():
        parquet = tmp_path / f"{name}.parquet"
        pq.write_table(table, parquet)
        spark_session.read.parquet(str(parquet)).write.mode("overwrite").saveAsTable(name)
    point_at(project, "lake")
    write_connections(project, "lake: {backend: pyspark}\n")
    tracker = spark_session.sparkContext.statusTracker()
    jobs_before = len(tracker.getJobIdsForGroup(None))
    assert differences(outcomes(project), on_duckdb) == {}
    assert len(tracker.getJobIdsForGroup(None)) > jobs_before  # the rules ran on Spark


@pytest.mark.spark
def test_spark_counts_set_level_kinds_without_a_single_partition_window(
    on_duckdb, spark_session, tmp_path, capfd
):
    """unique and references count with aggregates Spark distributes: Spark's own log (its JVM
    writes to this process's stderr) never says it moved all rows to one partition. The same
    capture does see the warning for a global window, so the test can fail."""
    import pyarrow.parquet as pq

    project, _ = every_kind_project(tmp_path)
    for name, table in tables_as_duckdb_reads_them(project).items():
        parquet = tmp_path / f"{name}.parquet"
        pq.write_table(table, parquet)
        spark_session.read.parquet(str(parquet)).write.mode("overwrite").saveAsTable(name)
    point_at(project, "lake")
    write_connections(project, "lake: {backend: pyspark}\n")
    import backend_servers

    log = backend_servers.SPARK_LOG
    spark_session.sparkContext.setLogLevel("WARN")
    try:
        start = log.stat().st_size
        assert differences(outcomes(project), on_duckdb) == {}
        during_rules = log.read_bytes()[start:].decode(errors="replace")
        spark_session.sql("select claim_id, count(*) over () as n from claims").collect()
        control = log.read_bytes()[start + len(during_rules.encode()) :].decode(errors="replace")
    finally:
        spark_session.sparkContext.setLogLevel("ERROR")
    warning = "No Partition Defined for Window operation"
    assert warning in control  # the log is where Spark says it
    assert warning not in during_rules


RUN_RULES = """
import json, sys
from kit.answers import loading
from kit.checks import rules
report = rules.run(loading.load(sys.argv[1]))
found = {r.id: [r.checked, r.failed, r.status, r.error] for r in report.results}
print(json.dumps({"findings": [str(f) for f in report.findings], "results": found}))
"""
SAVE_TABLES = """
import json, sys
from pyspark.sql import SparkSession
settings, tables, database = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
builder = SparkSession.builder.remote(settings.pop("remote")) if "remote" in settings else (
    SparkSession.builder.master("local[1]"))
for key, value in settings.items():
    builder = builder.config(key, value)
spark = builder.getOrCreate()
spark.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
for name, path in tables.items():
    spark.read.parquet(path).write.mode("overwrite").saveAsTable(f"{database}.{name}")
spark.stop()
"""


def python(script: str, *args: str, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env={**__import__("os").environ, "PYTHONPATH": str(MEDICAL.parent.parent), **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def spark_project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The every-kind project reading its sources from Spark connection ``lake``, database claims;
    its tables as Parquet files outside the project, for another process to save."""
    import pyarrow.parquet as pq

    project, _ = every_kind_project(tmp_path)
    files = {}
    for name, table in tables_as_duckdb_reads_them(project).items():
        files[name] = str(tmp_path / f"{name}.parquet")
        pq.write_table(table, files[name])
    point_at(project, "lake")
    return project, files


def files_of(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.spark
@pytest.mark.timeout(600)  # two Spark processes start, on a shared machine
def test_spark_hive_catalog_finds_tables_another_process_saved(on_duckdb, tmp_path):
    """One Spark process saves the tables into a Hive metastore (embedded Derby) and warehouse, as
    a data engineer's job would; wbk, in another process, finds them through the README's
    connection, counts as DuckDB does, and writes nothing into the project folder (no derby.log)."""
    project, files = spark_project(tmp_path)
    lake = tmp_path / "lake"
    hive = {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(lake / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={lake / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={tmp_path / 'derby-writer.log'}",
    }
    (tmp_path / "writer").mkdir()
    python(SAVE_TABLES, json.dumps(hive), json.dumps(files), "claims", cwd=tmp_path / "writer")
    write_connections(
        project,
        "lake: {backend: pyspark, warehouse: ../lake/warehouse, metastore: ../lake/metastore_db, database: claims}\n",
    )
    before = files_of(project)
    found = json.loads(python(RUN_RULES, str(project), cwd=project))
    assert found["findings"] == []
    assert differences({k: tuple(v) for k, v in found["results"].items()}, on_duckdb) == {}
    assert files_of(project) == before


@pytest.mark.spark
@pytest.mark.timeout(600)  # two Spark processes start, on a shared machine
def test_spark_connect_runs_the_rules_on_a_remote_server(on_duckdb, spark_connect_server, tmp_path):
    """Rules through Spark Connect (sc://), on a server this test starts (pyspark's own): the same
    counts as DuckDB, and nothing written into the project folder."""
    project, files = spark_project(tmp_path)
    remote = {"remote": spark_connect_server.url}
    python(SAVE_TABLES, json.dumps(remote), json.dumps(files), "claims", cwd=tmp_path)
    before = files_of(project)
    env = {"WBK_CONNECTION_LAKE": f"pyspark://{spark_connect_server.url}?database=claims"}
    found = json.loads(python(RUN_RULES, str(project), cwd=project, env=env))
    assert found["findings"] == []
    assert differences({k: tuple(v) for k, v in found["results"].items()}, on_duckdb) == {}
    assert files_of(project) == before
    saved = {p.name for p in (spark_connect_server.warehouse / "claims.db").iterdir()}
    assert saved >= set(files)  # the server's warehouse holds the tables the rules read


# --- passwords stay in the environment ------------------------------------------------------------------


def medical_on_postgres(tmp_path: Path, server) -> Path:
    """The medical example with its three sources on PostgreSQL, each through its own connection:
    lab_results on ``clinic``, patients on ``registry``, reference_ranges on ``catalogue``
    (connections.yaml, password_env WBK_TEST_CATALOGUE_PASSWORD)."""
    import ibis

    project = tmp_path / "medical"
    shutil.copytree(MEDICAL, project)
    tables = tables_as_duckdb_reads_them(project)
    con = ibis.postgres.connect(host=server.socket_dir, port=server.port, user="wbk", database="postgres")
    for name, table in tables.items():
        con.raw_sql(f"DROP TABLE IF EXISTS {name}").close()
        con.create_table(name, table)
    con.disconnect()
    point_at(project, "clinic", only="lab_results")
    point_at(project, "registry", only="patients")
    point_at(project, "catalogue", only="reference_ranges")
    write_connections(
        project,
        f"catalogue: {{backend: postgres, socket_dir: {server.socket_dir}, port: {server.port},"
        " database: postgres, user: wbk, password_env: WBK_TEST_CATALOGUE_PASSWORD}\n",
    )
    return project


# One secret per form a connection can be given; the server trusts the socket, so each is carried
# all the way to the driver and none is checked.
SECRETS = {
    "url_userinfo": "Url-Secret-5150",
    "url_query": "Query-Secret-2112",
    "libpq_option": "Sslkey-Secret-1984",
    "password_env": "Env-Secret-8086",
    "PGPASSWORD": "Pg-Secret-6502",
}


def secret_env(server, **overrides: str) -> dict[str, str]:
    base = f"postgres://wbk@/postgres?host={server.socket_dir}&port={server.port}"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(connections.ENV_PREFIX)}
    env.update(
        WBK_CONNECTION_CLINIC=server.url(password=SECRETS["url_userinfo"]),
        WBK_CONNECTION_REGISTRY=f"{base}&password={SECRETS['url_query']}&sslpassword={SECRETS['libpq_option']}",
        WBK_TEST_CATALOGUE_PASSWORD=SECRETS["password_env"],
        PGPASSWORD=SECRETS["PGPASSWORD"],
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def wbk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kit.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def leaks(done: subprocess.CompletedProcess, *folders: Path) -> dict[str, list[str]]:
    """Which planted secrets appear in the command's output or in any file under ``folders``."""
    written = [p for folder in folders for p in folder.rglob("*") if p.is_file()]
    found = {}
    for form, secret in SECRETS.items():
        where = ["stdout/stderr"] if secret in done.stdout + done.stderr else []
        where += [str(p) for p in written if secret.encode() in p.read_bytes()]
        if where:
            found[form] = where
    return found


@pytest.mark.postgres
def test_a_whole_run_on_postgres_writes_no_password_in_any_form(postgres_server, tmp_path):
    """wbk run and wbk validate of a project reading PostgreSQL through three connections carrying a
    password in every form (URL user:password@, ?password=, a libpq option, password_env, PGPASSWORD):
    none appears in any file of the run (records, notebooks, index, logs) or in its output."""
    project = medical_on_postgres(tmp_path, postgres_server)
    out = tmp_path / "out"
    done = wbk("run", str(project), "--out", str(out), env=secret_env(postgres_server))
    assert done.returncode == 0, done.stderr[-2000:]
    assert all(scans(postgres_server)[t] for t in ("lab_results", "patients", "reference_ranges"))
    assert len(list(out.rglob("record.json"))) == 1 and len(list(out.rglob("*.ipynb"))) == 4
    assert leaks(done, out, project) == {}
    checked = wbk("validate", str(project), env=secret_env(postgres_server))
    assert checked.returncode == 0, checked.stdout
    assert leaks(checked, project) == {}


@pytest.mark.postgres
def test_broken_connections_say_what_to_set_once_and_leak_nothing(postgres_server, tmp_path):
    """The same secrets, with each connection broken its own way: a libpq option the driver refuses,
    an unset password variable, a misspelt URL scheme. Each problem is one message (however many
    sources use the connection), located at the first source using it, naming what to set; no
    secret appears in any output or file, of wbk validate or of wbk run."""
    project = medical_on_postgres(tmp_path, postgres_server)
    point_at(project, "registry", only="lab_results")  # lab_results and patients: one connection
    registry = f"postgres://wbk@/postgres?host={postgres_server.socket_dir}&port={postgres_server.port}"
    env = secret_env(
        postgres_server,
        WBK_CONNECTION_REGISTRY=f"{registry}&password={SECRETS['url_query']}&sslpasword={SECRETS['libpq_option']}",
        WBK_TEST_CATALOGUE_PASSWORD=None,
    )
    checked = wbk("validate", str(project), env=env)
    assert checked.returncode == 2 and leaks(checked, project) == {}
    answers = f"{project / 'answers.yaml'}:"
    refused = [line for line in checked.stdout.splitlines() if "sslpasword" in line]
    assert len(refused) == 1 and "invalid connection option" in refused[0], checked.stdout
    assert refused[0].startswith(answers) and "sources[0].connection" in refused[0]
    unset = [line for line in checked.stdout.splitlines() if "WBK_TEST_CATALOGUE_PASSWORD" in line]
    assert len(unset) == 1 and "which is not set: set WBK_TEST_CATALOGUE_PASSWORD" in unset[0]
    assert unset[0].startswith(answers) and "sources[2].connection" in unset[0]

    point_at(project, "clinic", only="lab_results")
    bad_scheme = postgres_server.url(password=SECRETS["url_userinfo"]).replace("postgres:", "postgress:")
    env["WBK_CONNECTION_CLINIC"] = bad_scheme
    checked = wbk("validate", str(project), env=env)
    assert checked.returncode == 2 and leaks(checked, project) == {}
    scheme = [line for line in checked.stdout.splitlines() if "WBK_CONNECTION_CLINIC" in line]
    assert len(scheme) == 1 and "not a connection URL" in scheme[0], checked.stdout
    assert f"postgress://wbk:{connections.MASK}@/postgres" in scheme[0]
    out = tmp_path / "out"
    done = wbk("run", str(project), "--out", str(out), env=env)
    assert done.returncode == 2 and "WBK_CONNECTION_CLINIC" in done.stdout + done.stderr
    assert leaks(done, out, project) == {}


@pytest.mark.postgres
def test_a_schema_qualified_table_on_postgres(project, postgres_server, monkeypatch):
    import ibis

    from kit.answers.schema import Source
    from kit.checks.engine import datasets

    server = ibis.postgres.connect(
        host=postgres_server.socket_dir, port=postgres_server.port, user="wbk", database="postgres"
    )
    server.raw_sql(
        "CREATE SCHEMA IF NOT EXISTS claims_mart; DROP TABLE IF EXISTS claims_mart.policies"
    ).close()
    server.raw_sql("CREATE TABLE claims_mart.policies AS SELECT generate_series(1, 42) AS policy_id").close()
    server.disconnect()
    monkeypatch.setenv("WBK_CONNECTION_MART", postgres_server.url())
    source = Source.model_construct(
        id="policies", connection="mart", table="claims_mart.policies", sample=None
    )
    assert datasets.open_source(source, project).count().execute() == 42


@pytest.mark.postgres
def test_a_table_the_connection_lacks_names_connection_schema_and_its_tables(
    postgres_server, tmp_path, monkeypatch
):
    from kit.answers import yamlfile
    from kit.run.project import validate

    project = medical_on_postgres(tmp_path, postgres_server)
    document = yamlfile.read(project / "answers.yaml")
    document.tree["problem_boundaries"]["data"]["sources"][1]["table"] = "patient"
    (project / "answers.yaml").write_text(yamlfile.dump(document.tree), encoding="utf-8")
    for var, value in secret_env(postgres_server).items():
        monkeypatch.setenv(var, value)
    errors = [str(f) for f in validate(project).errors]
    assert errors == [
        f"{project / 'answers.yaml'}:{document.locate(('problem_boundaries', 'data', 'sources', 1, 'table'))[0]}:"
        f"{document.locate(('problem_boundaries', 'data', 'sources', 1, 'table'))[1]}: error: "
        "problem_boundaries.data.sources[1].table: table 'patient' not found on connection 'registry', "
        "schema 'public'; did you mean 'patients'?"
    ]


# --- failing rows you can use (wbk run --failures) -------------------------------------------------
# References rules and a rule with a where: the rows written are exactly the planted failing rows.
FAILURE_RULES = ("policy_exists", "closed_claims_paid", "patient_has_results")


def failures_written(project: Path, folder: Path, schema: str | None = None) -> tuple[dict, dict]:
    """(rule -> failing rows counted by the checks, rule -> what --failures wrote)."""
    from kit.answers import loading
    from kit.checks import rules
    from kit.run import failures

    report = rules.run(loading.load(project))
    counted = {r.id: r.failed for r in report.results}
    rec = {"checks": [{"id": r.id, "family": "rule", "failed": r.failed} for r in report.results]}
    index = failures.write(project, rec, folder, failures.Options(schema=schema))
    connections.close_all()
    return counted, {w["rule"]: w for w in index}


def parquet(path: Path, query: str = "count(*)") -> list[tuple]:
    return duckdb.sql(f"select {query} from read_parquet('{path}')").fetchall()


def expected_failing(planted: dict) -> dict[str, int]:
    """Planted facts: orphan policies, closed claims without a payment; 36 patients without results
    (counted by an anti join in DuckDB in on_duckdb)."""
    return {
        "policy_exists": len(planted["orphan_policy"]),
        "closed_claims_paid": len(planted["closed_unpaid"]),
        "patient_has_results": 36,
    }


def test_failures_on_duckdb_are_exactly_the_failing_rows(on_duckdb, tmp_path):
    project, planted = every_kind_project(tmp_path)
    folder = tmp_path / "failures"
    counted, written = failures_written(project, folder)
    for rule, expected in expected_failing(planted).items():
        assert written[rule]["backend"] == "duckdb"
        assert parquet(folder / written[rule]["file"]) == [(expected,)], rule
        assert counted[rule] == written[rule]["rows"] == expected, rule
        assert (folder / f"{rule}.sql").read_text().startswith(("SELECT", "WITH"))
    claims = parquet(folder / "closed_claims_paid.parquet", "claim_id, paid_amount, status")
    assert sorted(c[0] for c in claims) == sorted(planted["closed_unpaid"])
    assert {(c[1], c[2]) for c in claims} == {(None, "closed")}
    columns = duckdb.sql(f"select * from read_parquet('{folder / 'policy_exists.parquet'}')").columns
    assert columns[:2] == ["claim_id", "policy_id"]  # key columns first: the id, the rule's column
    assert sorted(r[0] for r in parquet(folder / "policy_exists.parquet", "claim_id")) == sorted(
        planted["orphan_policy"]
    )


@pytest.mark.postgres
def test_failures_on_postgres_as_files_and_as_tables_of_a_schema(
    on_duckdb, postgres_server, tmp_path, monkeypatch
):
    import ibis
    import psycopg

    project, planted = every_kind_project(tmp_path)
    tables = tables_as_duckdb_reads_them(project)
    server = ibis.postgres.connect(
        host=postgres_server.socket_dir, port=postgres_server.port, user="wbk", database="postgres"
    )
    for name, table in tables.items():
        server.raw_sql(f"DROP TABLE IF EXISTS {name}").close()
        server.create_table(name, table)
    server.disconnect()
    point_at(project, "clinic")
    monkeypatch.setenv("WBK_CONNECTION_CLINIC", postgres_server.url())
    expected = expected_failing(planted)
    counted, written = failures_written(project, tmp_path / "files")
    for rule, want in expected.items():
        assert written[rule]["backend"] == "postgres", rule
        assert parquet(tmp_path / "files" / written[rule]["file"]) == [(want,)], rule
        assert counted[rule] == want, rule
    counted, written = failures_written(project, tmp_path / "tables", schema="wbk_failures")
    server = dict(host=postgres_server.socket_dir, port=postgres_server.port, user="wbk", dbname="postgres")
    with psycopg.connect(**server) as con:
        for rule, want in expected.items():
            assert written[rule]["table"] == f"wbk_failures.{rule}"
            stored = con.execute(f"select count(*) from wbk_failures.{rule}").fetchone()[0]
            listed = len(con.execute(written[rule]["sql"]).fetchall())  # the SQL as shown, run as is
            assert stored == listed == counted[rule] == want, rule
    assert not list((tmp_path / "tables").glob("*.parquet"))


@pytest.mark.spark
@pytest.mark.timeout(600)  # a Spark session starts, on a shared machine
def test_failures_on_spark_are_exactly_the_failing_rows(on_duckdb, spark_session, tmp_path):
    import pyarrow.parquet as pq

    project, planted = every_kind_project(tmp_path)
    for name, table in tables_as_duckdb_reads_them(project).items():
        parquet_file = tmp_path / f"{name}.parquet"
        pq.write_table(table, parquet_file)
        spark_session.read.parquet(str(parquet_file)).write.mode("overwrite").saveAsTable(name)
    point_at(project, "lake")
    write_connections(project, "lake: {backend: pyspark}\n")
    before = files_of(project)
    counted, written = failures_written(project, tmp_path / "failures")
    for rule, want in expected_failing(planted).items():
        assert written[rule]["backend"] == "pyspark", rule
        assert parquet(tmp_path / "failures" / written[rule]["file"]) == [(want,)], rule
        assert counted[rule] == written[rule]["rows"] == want, rule
        listed = spark_session.sql(written[rule]["sql"]).count()  # the SQL the record shows, on Spark
        assert listed == want, rule
    assert files_of(project) == before  # nothing Spark writes lands in the project folder

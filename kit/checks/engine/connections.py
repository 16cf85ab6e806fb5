"""Named connections to where the data lives: DuckDB, PostgreSQL or Spark, defined outside answers.yaml.

A source in answers.yaml may say ``connection: warehouse`` and ``table: claims``. The name is
looked up, in this order, in

1. the environment: ``WBK_CONNECTION_WAREHOUSE`` holding a URL, e.g.
   ``postgres://analyst@db.internal:5432/claims`` or ``postgres:///claims?host=/run/postgresql``,
   ``duckdb:///data/warehouse.duckdb``, ``pyspark://local[2]?warehouse=/lake``;
2. ``connections.yaml`` beside answers.yaml, one mapping per name::

       warehouse:
         backend: postgres
         host: db.internal        # or socket_dir: /run/postgresql
         database: claims
         user: analyst
         password_env: WAREHOUSE_PASSWORD

Passwords are read from the environment only (``password_env`` names the variable, or the URL in
a ``WBK_CONNECTION_`` variable carries one); a spec never holds one, so none can reach answers,
records, logs or notebooks, and every message here prints specs with the password masked.

Backend kinds are data (``BACKENDS``): each declares its options (a pydantic model, so a bad spec
is a located error) and how Ibis opens it. Connections are opened once per process and name and
closed by ``close_all`` (also at exit); a Spark session that existed before is reused, not stopped.
"""

from __future__ import annotations

import atexit
import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import ibis
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kit.answers import yamlfile
from kit.findings import AnswersError, Finding, format_path

FILE_NAME = "connections.yaml"
ENV_PREFIX = "WBK_CONNECTION_"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


# --- options of each backend kind ---------------------------------------------------------------


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DuckDBOptions(Options):
    backend: Literal["duckdb"]
    database: str = Field(":memory:", description="A .duckdb file (relative to the project) or :memory:")
    read_only: bool = True


class PostgresOptions(Options):
    backend: Literal["postgres"]
    host: str | None = Field(None, description="Server name; leave out to use socket_dir")
    socket_dir: str | None = Field(None, description="Folder of the server's Unix socket")
    port: int = Field(5432, ge=1, le=65535)
    database: str
    user: str | None = None
    db_schema: str | None = Field(None, alias="schema", description="Schema whose tables sources name")
    password_env: str | None = Field(None, description="Environment variable holding the password")
    url_password: str | None = Field(
        None, exclude=True, repr=False
    )  # only ever set from a URL in the environment

    @model_validator(mode="after")
    def _one_place(self):
        if self.host and self.socket_dir:
            raise ValueError("give host or socket_dir, not both")
        return self


class SparkOptions(Options):
    backend: Literal["pyspark"]
    master: str = Field("local[2]", description="Spark master URL, e.g. local[2] or spark://host:7077")
    warehouse: str | None = Field(None, description="spark.sql.warehouse.dir (relative to the project)")
    database: str | None = Field(None, description="Catalog database whose tables sources name")
    conf: dict[str, str] = Field(default_factory=dict, description="Further Spark settings")


def _password(options: PostgresOptions) -> str | None:
    if options.password_env:
        return os.environ.get(options.password_env)
    return options.url_password


def _open_duckdb(options: DuckDBOptions, project_dir: Path) -> ibis.BaseBackend:
    database = options.database
    if database != ":memory:":
        database = str(project_dir / database)
    return ibis.duckdb.connect(database, read_only=options.read_only and database != ":memory:")


def _open_postgres(options: PostgresOptions, project_dir: Path) -> ibis.BaseBackend:
    return ibis.postgres.connect(
        host=options.host or options.socket_dir,  # libpq reads a host starting with / as a socket folder
        port=options.port,
        database=options.database,
        user=options.user,
        password=_password(options),
        schema=options.db_schema,
    )


def _open_pyspark(options: SparkOptions, project_dir: Path) -> ibis.BaseBackend:
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    owned = session is None
    if owned:
        builder = SparkSession.builder.master(options.master).appName("wbk")
        settings = {"spark.ui.enabled": "false", **options.conf}
        if options.warehouse:
            settings["spark.sql.warehouse.dir"] = str(project_dir / options.warehouse)
        for key, value in settings.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
    backend = ibis.pyspark.connect(session)
    if options.database:
        session.catalog.setCurrentDatabase(options.database)
    if not owned:
        backend.disconnect = lambda: None  # someone else's session: closing our handle must not stop it
    return backend


@dataclass(frozen=True)
class BackendKind:
    options: type[Options]
    open: Callable[[Any, Path], ibis.BaseBackend]
    url_schemes: tuple[str, ...]


BACKENDS: dict[str, BackendKind] = {
    "duckdb": BackendKind(DuckDBOptions, _open_duckdb, ("duckdb",)),
    "postgres": BackendKind(PostgresOptions, _open_postgres, ("postgres", "postgresql")),
    "pyspark": BackendKind(SparkOptions, _open_pyspark, ("pyspark", "spark")),
}
SCHEMES = {scheme: kind for kind, b in BACKENDS.items() for scheme in b.url_schemes}


# --- where a connection is defined --------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    name: str
    options: Options
    origin: str  # "connections.yaml:3:3" or "WBK_CONNECTION_NAME", for messages

    @property
    def backend(self) -> str:
        return self.options.backend

    def describe(self) -> str:
        """The spec as one line, without the password (a spec holds none but a URL's)."""
        shown = self.options.model_dump(exclude_defaults=True, exclude={"url_password"}, by_alias=True)
        return f"connection {self.name!r} ({', '.join(f'{k}={v}' for k, v in shown.items())})"


def env_var(name: str) -> str:
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def defined(project_dir: Path) -> dict[str, Connection]:
    """Every connection the project can use, environment first; bad specs raise located findings."""
    found, problems = _from_file(Path(project_dir) / FILE_NAME)
    for var, value in sorted(os.environ.items()):
        if var.startswith(ENV_PREFIX) and value.strip():
            name = var[len(ENV_PREFIX) :].lower()
            try:
                found[name] = Connection(name, parse_url(value), var)
            except ValueError as exc:
                problems.append(Finding(var, 0, 0, "", f"{exc} (value: {mask_url(value)})"))
    if problems:
        raise AnswersError(problems)
    return found


def _from_file(path: Path) -> tuple[dict[str, Connection], list[Finding]]:
    if not path.is_file():
        return {}, []
    document = yamlfile.read(path)  # raises located YAML errors
    found, problems = {}, []

    def add(loc: tuple, message: str, key: bool = False) -> None:
        line, column = document.locate_key(loc) if key else document.locate(loc)
        problems.append(Finding(str(path), line, column, format_path(loc), message))

    for name, spec in document.data.items():
        if not NAME.match(name):
            add((name,), f"connection name {name!r}: use letters, digits and _ (a letter first)", key=True)
            continue
        try:
            options = parse_spec(spec)
        except SpecError as exc:
            add((name, *exc.loc), exc.message, key=exc.key)
            continue
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(p for p in err["loc"] if p not in BACKENDS)  # drop the union tag pydantic adds
                unknown = err["type"] == "extra_forbidden"
                add((name, *loc), _message(err, spec), key=unknown)
            continue
        line, column = document.locate((name,))
        found[name] = Connection(name, options, f"{path}:{line}:{column}")
    return found, problems


@dataclass
class SpecError(Exception):
    loc: tuple
    message: str
    key: bool = False


def parse_spec(spec: Any) -> Options:
    if not isinstance(spec, dict):
        raise SpecError((), f"expected a mapping with backend: {' | '.join(BACKENDS)}")
    for key in spec:
        if "password" in str(key) and key != "password_env":
            raise SpecError(
                (key,), "passwords are never written in a file; name a variable: password_env: VAR", True
            )
    kind = spec.get("backend")
    if kind not in BACKENDS:
        hint = _did_you_mean(str(kind), BACKENDS) if kind else ""
        where = ("backend",) if "backend" in spec else ()
        raise SpecError(where, f"backend must be one of {', '.join(BACKENDS)}{hint}")
    return BACKENDS[kind].options.model_validate(spec)


def _message(err: dict, spec: dict) -> str:
    field = str(err["loc"][-1]) if err["loc"] else ""
    if err["type"] == "extra_forbidden":
        model = BACKENDS[spec["backend"]].options
        known = [f.alias or n for n, f in model.model_fields.items() if not f.exclude and n != "backend"]
        return f"unknown option {field!r} for {spec['backend']}{_did_you_mean(field, known)}"
    return err["msg"]


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(choices) or 'none'}"


# --- URLs in the environment --------------------------------------------------------------------


def parse_url(url: str) -> Options:
    """postgres://user:pw@host:port/db?schema=s&host=/socket/dir, duckdb:///file.duckdb,
    pyspark://local[2]?warehouse=DIR (Spark masters hold brackets and colons, so they are not split)."""
    scheme, sep, rest = url.strip().partition("://")
    kind = SCHEMES.get(scheme.lower())
    if not sep or kind is None:
        raise ValueError(
            f"not a connection URL; start it with one of {', '.join(s + '://' for s in SCHEMES)}"
        )
    rest, _, query = rest.partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if "password" in params:
        raise ValueError("put the password in the URL's user:password@ part, not in ?password=")
    spec: dict[str, Any] = {"backend": kind}
    if kind == "postgres":
        parts = urlsplit(f"{scheme}://{rest}")
        spec.update(
            host=unquote(parts.hostname) if parts.hostname else None,
            port=parts.port or 5432,
            database=unquote(parts.path.lstrip("/")) or None,
            user=unquote(parts.username) if parts.username else None,
            url_password=unquote(parts.password) if parts.password else None,
        )
        if params.get("host", "").startswith("/"):  # libpq's way of naming a socket folder
            spec["socket_dir"] = params.pop("host")
            spec["host"] = None
    elif kind == "duckdb":
        spec["database"] = rest if rest not in ("", "/") else ":memory:"  # duckdb:///abs, duckdb://relative
    else:
        spec["master"] = rest or "local[2]"
        spec["conf"] = {k[5:]: v for k, v in params.items() if k.startswith("conf.")}
        params = {k: v for k, v in params.items() if not k.startswith("conf.")}
    spec.update(params)
    spec = {k: v for k, v in spec.items() if v is not None}
    try:
        return BACKENDS[kind].options.model_validate(spec)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{field}: {first['msg']}" if field else first["msg"]) from None


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, safe to print."""
    return re.sub(r"(://[^:/@?]*:)[^@/?]*@", r"\1***@", url)


# --- opening and closing ------------------------------------------------------------------------


class UnknownConnection(AnswersError):
    """A source names a connection that neither connections.yaml nor the environment defines."""


_open: dict[tuple[str, str, str], ibis.BaseBackend] = {}


def unknown_name_message(name: str, known: dict[str, Connection]) -> str:
    return (
        f"unknown connection {name!r}{_did_you_mean(name, known)} "
        f"(define it in {FILE_NAME} beside answers.yaml or in the environment variable {env_var(name)})"
    )


def connect(name: str, project_dir: Path) -> ibis.BaseBackend:
    """The backend a source's ``connection: name`` opens, once per process; see ``close_all``."""
    project_dir = Path(project_dir).resolve()
    known = defined(project_dir)
    connection = known.get(name)
    if connection is None:
        file, line, column, path = _where_named(project_dir, name)
        raise UnknownConnection([Finding(file, line, column, path, unknown_name_message(name, known))])
    key = (str(project_dir), name, repr(connection.options))  # a changed spec opens anew
    if key not in _open:
        try:
            _open[key] = BACKENDS[connection.backend].open(connection.options, project_dir)
        except Exception as exc:  # the driver's own words, never the password
            message = _without_password(
                str(exc).strip().splitlines()[0] if str(exc).strip() else "", connection
            )
            raise AnswersError(
                [Finding(connection.origin, 0, 0, "", f"cannot open {connection.describe()}: {message}")]
            ) from None
    return _open[key]


def _without_password(text: str, connection: Connection) -> str:
    secret = _password(connection.options) if isinstance(connection.options, PostgresOptions) else None
    return text.replace(secret, "***") if secret else text


def _where_named(project_dir: Path, name: str) -> tuple[str, int, int, str]:
    """answers.yaml's line and column of the first source naming ``connection: name``."""
    path = project_dir / "answers.yaml"
    try:
        document = yamlfile.read(path)
        sources = document.data["problem_boundaries"]["data"]["sources"]
    except (AnswersError, KeyError, TypeError):
        return str(path), 0, 0, ""
    for i, source in enumerate(sources or []):
        if isinstance(source, dict) and source.get("connection") == name:
            loc = ("problem_boundaries", "data", "sources", i, "connection")
            return (str(path), *document.locate(loc), format_path(loc))
    return str(path), 0, 0, ""


def close_all() -> None:
    """Close every connection this process opened (Spark sessions it did not start stay up)."""
    while _open:
        _, backend = _open.popitem()
        backend.disconnect()


atexit.register(close_all)

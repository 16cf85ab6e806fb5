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
a ``WBK_CONNECTION_`` variable carries one, as ``user:password@`` or ``?password=``, and libpq
settings such as ``?sslpassword=``); a file never holds one, so none can reach answers, records,
logs or notebooks. Every message here goes through ``redact``: a URL's password, any setting whose
name says it is secret (``SECRET_NAME``) and every secret value the connections carry are masked.
A connection that cannot be opened is reported once, at the first source naming it.

Backend kinds are data (``BACKENDS``): each declares its options (a pydantic model, so a bad spec
is a located error) and how Ibis opens it. Connections are opened once per process and name and
closed by ``close_all`` (also at exit); a Spark session that existed before is reused, not stopped.
"""

from __future__ import annotations

import atexit
import difflib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import ibis
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kit.answers import yamlfile
from kit.checks.engine.datasets import SourceError
from kit.findings import AnswersError, Finding, format_path

FILE_NAME = "connections.yaml"
# A setting whose name says it holds a secret (password, sslpassword, token, secret.key, api_key...);
# its value is never printed. password_env names a variable, not a secret.
SECRET_NAME = re.compile(r"pass|pwd|secret|token|credential|(^|[._-])(api[._-]?)?key$|access[._-]?key", re.I)
MASK = "***"
# libpq settings known to hold no secret, shown in messages; any other (a misspelt "sslpasword"
# too) is masked, because a typo must not print what it was meant to hide.
PLAIN_LIBPQ = frozenset(
    {
        *("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "gssencmode", "channel_binding"),
        *("application_name", "connect_timeout", "target_session_attrs", "options", "client_encoding"),
        *("keepalives", "keepalives_idle"),
    }
)
ENV_PREFIX = "WBK_CONNECTION_"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def is_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(str(name))) and not str(name).endswith("_env")


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
    params: dict[str, str] = Field(
        default_factory=dict, description="Further libpq settings, e.g. sslmode: require, application_name"
    )
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
    master: str = Field(
        "local[2]",
        description="Spark master URL (local[2], spark://host:7077), or a Spark Connect server: sc://host:15002",
    )
    warehouse: str | None = Field(None, description="spark.sql.warehouse.dir (relative to the project)")
    metastore: str | None = Field(
        None,
        description="Folder of an embedded Derby Hive metastore (relative to the project): the Hive "
        "catalog, so tables other Spark processes saved there are found",
    )
    database: str | None = Field(None, description="Catalog database whose tables sources name")
    conf: dict[str, str] = Field(default_factory=dict, description="Further Spark settings")

    @model_validator(mode="after")
    def _connect_takes_no_local_settings(self):
        if self.master.startswith("sc://") and (self.warehouse or self.metastore or self.conf):
            raise ValueError("a Spark Connect server (sc://) keeps its own warehouse, metastore and settings")
        return self


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
    if options.password_env and options.password_env not in os.environ:
        raise ConnectionProblem(
            f"its password is read from the environment variable {options.password_env}, which is not "
            f"set: set {options.password_env} before running wbk"
        )
    return ibis.postgres.connect(
        host=options.host or options.socket_dir,  # libpq reads a host starting with / as a socket folder
        port=options.port,
        database=options.database,
        user=options.user,
        password=_password(options),
        schema=options.db_schema,
        **options.params,
    )


def _spark_settings(options: SparkOptions, project_dir: Path) -> dict[str, str]:
    """A local session's settings. With a metastore: the Hive catalog on embedded Derby, whose
    derby.log goes to the temp dir (Derby writes it into the working directory otherwise), like
    everything else Spark writes, so nothing lands in the project folder."""
    scratch = Path(tempfile.gettempdir()) / "wbk-spark"
    settings = {"spark.ui.enabled": "false", "spark.local.dir": str(scratch)}
    if options.warehouse:
        settings["spark.sql.warehouse.dir"] = str(project_dir / options.warehouse)
    if options.metastore:
        derby = (project_dir / options.metastore).resolve()
        settings |= {
            "spark.sql.catalogImplementation": "hive",
            "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={derby};create=true",
            "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={scratch / 'derby.log'}",
        }
    return settings | options.conf


def _open_pyspark(options: SparkOptions, project_dir: Path) -> ibis.BaseBackend:
    from pyspark.sql import SparkSession

    if options.master.startswith("sc://"):  # Spark Connect: the server owns the session
        session, owned = SparkSession.builder.remote(options.master).getOrCreate(), True
    else:
        session = SparkSession.getActiveSession()
        owned = session is None
    if session is None:
        builder = SparkSession.builder.master(options.master).appName("wbk")
        for key, value in _spark_settings(options, project_dir).items():
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
_PLAIN_QUERY = frozenset(
    f.alias or n for b in BACKENDS.values() for n, f in b.options.model_fields.items() if not is_secret(n)
) - {"params", "url_password", "conf"}


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
        """The spec as one line, secret settings masked (a spec holds none but a URL's)."""
        shown = _masked(
            self.options.model_dump(exclude_defaults=True, exclude={"url_password"}, by_alias=True)
        )
        return f"connection {self.name!r} ({', '.join(f'{k}={v}' for k, v in shown.items())})"

    def where(self) -> str:
        return (
            f"defined in {self.origin}" if self.origin.startswith(ENV_PREFIX) else f"defined at {self.origin}"
        )

    def secrets(self) -> list[str]:
        """Every secret value this connection carries, to be masked wherever text may hold it."""
        found = [self.options.url_password] if isinstance(self.options, PostgresOptions) else []
        found.append(_password(self.options) if isinstance(self.options, PostgresOptions) else None)
        found += [v for k, v in getattr(self.options, "params", {}).items() if k not in PLAIN_LIBPQ]
        found += [v for k, v in getattr(self.options, "conf", {}).items() if is_secret(k)]
        return [s for s in found if s]


def _masked(value: Any, name: str = "") -> Any:
    """``value`` with the value of every secret-named key (at any depth), and of every libpq
    setting not known to be plain, replaced by ***."""
    if isinstance(value, dict) and name == "params":
        return {k: v if k in PLAIN_LIBPQ else MASK for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _masked(v, k) for k, v in value.items()}
    return MASK if is_secret(name) and value not in (None, "") else value


def env_var(name: str) -> str:
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def defined(project_dir: Path) -> dict[str, Connection]:
    """Every connection the project can use, environment first; bad specs raise located findings."""
    found, problems = _defined(project_dir)
    if problems:
        raise AnswersError(problems)
    return found


def _defined(project_dir: Path) -> tuple[dict[str, Connection], list[Finding]]:
    found, problems = _from_file(Path(project_dir) / FILE_NAME)
    for var, value in sorted(os.environ.items()):
        if var.startswith(ENV_PREFIX) and value.strip():
            name = var[len(ENV_PREFIX) :].lower()
            try:
                found[name] = Connection(name, parse_url(value), var)
            except ValueError as exc:
                problems.append(Finding(var, 0, 0, "", redact(f"{exc} (value: {mask_url(value)})")))
    return found, problems


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
    for loc in _secret_keys(spec):
        raise SpecError(
            loc,
            "secrets are never written in a file; name a variable: password_env: VAR (or give the "
            f"whole connection as a URL in the environment variable {ENV_PREFIX}<NAME>)",
            True,
        )
    kind = spec.get("backend")
    if kind not in BACKENDS:
        hint = _did_you_mean(str(kind), BACKENDS) if kind else ""
        where = ("backend",) if "backend" in spec else ()
        raise SpecError(where, f"backend must be one of {', '.join(BACKENDS)}{hint}")
    return BACKENDS[kind].options.model_validate(spec)


def _secret_keys(spec: dict, loc: tuple = ()) -> list[tuple]:
    found = []
    for key, value in spec.items():
        if is_secret(key):
            found.append((*loc, key))
        elif isinstance(value, dict):
            found += _secret_keys(value, (*loc, key))
    return found


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
        if "password" in params:  # libpq's other way of giving it
            spec["url_password"] = params.pop("password")
        known = {f.alias or n for n, f in PostgresOptions.model_fields.items()}
        spec["params"] = {k: params.pop(k) for k in list(params) if k not in known}
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
    """The URL with its password and every secret-named query value replaced by ***, safe to print."""
    masked = re.sub(r"(://[^:/@?]*:)[^@]*@", rf"\1{MASK}@", url)
    return re.sub(
        r"([?&])([^=&]*)=([^&]*)", lambda m: f"{m[1]}{m[2]}={MASK if _hidden(m[2]) else m[3]}", masked
    )


def _hidden(query_key: str) -> bool:
    """Whether a URL query setting's value is withheld from messages: a secret-named Spark conf,
    or any setting that is neither an option of some backend nor a plain libpq setting."""
    if query_key.startswith("conf."):
        return is_secret(query_key[5:])
    return is_secret(query_key) or query_key not in _PLAIN_QUERY | PLAIN_LIBPQ


def redact(text: str, project_dir: Path | None = None) -> str:
    """``text`` with every secret any connection of the environment (and of ``project_dir``'s
    connections.yaml) carries masked, and any libpq keyword string's password (``password=...``)."""
    for secret in sorted(_known_secrets(project_dir), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = re.sub(r"://([^:/@\s]*):[^@\s]*@", rf"://\1:{MASK}@", text)
    keyword = r"\b(\w*(?:pass|secret|token)\w*)=('[^']*'|[^\s,;)]+)"  # libpq's "password=..." and the like
    return re.sub(keyword, lambda m: m[0] if m[1].endswith("_env") else f"{m[1]}={MASK}", text, flags=re.I)


def _known_secrets(project_dir: Path | None) -> set[str]:
    found = {os.environ[v] for v in ("PGPASSWORD",) if os.environ.get(v)}
    for var, value in os.environ.items():
        if var.startswith(ENV_PREFIX):
            found |= _url_secrets(value)
    if project_dir is not None:
        try:
            connections, _ = _from_file(Path(project_dir) / FILE_NAME)
        except AnswersError:
            connections = {}
        for connection in connections.values():
            found |= set(connection.secrets())
    return {s for s in found if len(s) >= 3}  # masking "a" everywhere would garble every message


def _url_secrets(url: str) -> set[str]:
    """Secrets of a URL even when it does not parse: its user:password@ part, secret query values."""
    found = {unquote(m) for m in re.findall(r"://[^:/@?]*:([^@]*)@", url)}
    for key, value in parse_qsl(url.partition("?")[2], keep_blank_values=True):
        if _hidden(key):
            found.add(value)
    return {s for s in found if s}


# --- opening and closing ------------------------------------------------------------------------


class UnknownConnection(AnswersError):
    """A source names a connection that neither connections.yaml nor the environment defines."""


_open: dict[tuple[str, str, str], ibis.BaseBackend] = {}


def unknown_name_message(name: str, known: dict[str, Connection]) -> str:
    return (
        f"unknown connection {name!r}{_did_you_mean(name, known)} "
        f"(define it in {FILE_NAME} beside answers.yaml or in the environment variable {env_var(name)})"
    )


class ConnectionProblem(Exception):
    """Why a connection cannot be opened, in words saying what to do (raised by an opener)."""


# The driver's words that have a remedy to add: first match wins.
_REMEDIES = [
    (
        r"no password supplied|password authentication failed",
        "give the password in the variable password_env names ({file}) or in the URL of {var}",
    ),
]
_open: dict[tuple[str, str, str], ibis.BaseBackend] = {}
_failed: dict[tuple[str, str, str], AnswersError] = {}  # reported once, not once per source


def connect(name: str, project_dir: Path) -> ibis.BaseBackend:
    """The backend a source's ``connection: name`` opens, once per process; see ``close_all``. A
    connection that cannot be opened raises the same finding, located at the first source naming
    it, however many sources use it (and is not retried in this process)."""
    project_dir = Path(project_dir).resolve()
    known, problems = _defined(project_dir)
    connection = known.get(name)
    if connection is None and problems:  # its spec may be the broken one: say what is wrong
        raise AnswersError(problems)
    if connection is None:
        file, line, column, path = _where_named(project_dir, name)
        raise UnknownConnection([Finding(file, line, column, path, unknown_name_message(name, known))])
    key = (str(project_dir), name, repr(connection.options))  # a changed spec opens anew
    if key in _failed:
        raise _failed[key]
    if key not in _open:
        try:
            _open[key] = BACKENDS[connection.backend].open(connection.options, project_dir)
        except Exception as exc:  # the driver's own words, never a secret
            _failed[key] = AnswersError([_cannot_open(connection, project_dir, exc)])
            raise _failed[key] from None
    return _open[key]


def _cannot_open(connection: Connection, project_dir: Path, exc: Exception) -> Finding:
    words = _first_line(exc)
    for pattern, remedy in _REMEDIES:
        if re.search(pattern, words):
            words += "; " + remedy.format(file=FILE_NAME, var=env_var(connection.name))
    message = f"cannot open {connection.describe()}, {connection.where()}: {words}"
    file, line, column, path = _where_named(project_dir, connection.name)
    if not line:  # no source names it (a direct call): where it is defined
        file, line, column, path = connection.origin, 0, 0, ""
    return Finding(file, line, column, path, redact(message, project_dir))


def open_table(name: str, qualified: str, project_dir: Path, backend: ibis.BaseBackend | None = None):
    """Table ``qualified`` ("claims" or "schema.claims") on connection ``name``; a table the
    connection lacks names the connection, the schema and the tables it has there."""
    con = backend or connect(name, project_dir)
    *database, table = qualified.split(".")
    where = tuple(database) or None
    try:
        return con.table(table, database=where)
    except Exception as exc:
        try:
            present = sorted(con.list_tables(database=where))
        except Exception:  # the schema itself is missing, or listing is not allowed: the driver's words
            raise SourceError(
                redact(f"table {qualified!r} on connection {name!r}: {_first_line(exc)}", project_dir)
            ) from None
        if table in present:
            raise
        schema = ".".join(database) or _current_schema(con)
        hint = _did_you_mean(table, present) if present else "; it has no tables"
        raise SourceError(
            f"table {table!r} not found on connection {name!r}, schema {schema!r}{hint}"
        ) from None


def _current_schema(con: ibis.BaseBackend) -> str:
    try:
        return str(con.current_database)
    except Exception:
        return "default"


def _first_line(exc: Exception) -> str:
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


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
    _failed.clear()
    while _open:
        _, backend = _open.popitem()
        backend.disconnect()


atexit.register(close_all)

"""SQL predicates written in answers (``expression`` rules and ``where``), parsed with sqlglot and
translated node by node into portable Ibis expressions. Only one expression over the dataset's
columns and an allow-list of operators and functions gets through: a statement, a subquery, an
unknown function or column is an ExpressionError before anything runs."""

from __future__ import annotations

import difflib
import functools
import operator
from collections.abc import Callable

import ibis
import sqlglot
from sqlglot import exp


class ExpressionError(Exception):
    pass


def parse(text: str) -> exp.Expression:
    """One SQL expression, or ExpressionError saying why not."""
    try:
        trees = sqlglot.parse(text, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ExpressionError(f"not a SQL expression: {_first_error(exc)}") from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise ExpressionError("write one SQL condition, not several statements")
    return trees[0]


def _first_error(exc: sqlglot.errors.ParseError) -> str:
    errors = exc.errors or [{"description": str(exc)}]
    return str(errors[0].get("description") or exc).splitlines()[0]


def translate(text: str, table: ibis.Table) -> ibis.Value:
    """The predicate as an Ibis expression over ``table``; ExpressionError when it is not allowed."""
    tree = parse(text)
    try:
        return _Translator(table).visit(tree)
    except ExpressionError:
        raise
    except Exception as exc:  # Ibis refuses operands of the wrong type
        message = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise ExpressionError(f"the types do not fit: {message}") from None


_BINARY: dict[type, Callable] = {
    exp.EQ: operator.eq,
    exp.NEQ: operator.ne,
    exp.GT: operator.gt,
    exp.GTE: operator.ge,
    exp.LT: operator.lt,
    exp.LTE: operator.le,
    exp.And: operator.and_,
    exp.Or: operator.or_,
    exp.Add: operator.add,
    exp.Sub: operator.sub,
    exp.Mul: operator.mul,
    exp.Div: operator.truediv,
    exp.Mod: operator.mod,
    exp.DPipe: lambda a, b: a.concat(b),
}

_FUNCTIONS: dict[type, Callable] = {
    exp.Lower: lambda a: a.lower(),
    exp.Upper: lambda a: a.upper(),
    exp.Length: lambda a: a.length(),
    exp.Trim: lambda a: a.strip(),
    exp.Abs: lambda a: a.abs(),
    exp.Year: lambda a: a.year(),
    exp.Month: lambda a: a.month(),
    exp.Day: lambda a: a.day(),
}

_TYPES = {
    exp.DataType.Type.INT: "int64",
    exp.DataType.Type.BIGINT: "int64",
    exp.DataType.Type.DOUBLE: "float64",
    exp.DataType.Type.FLOAT: "float64",
    exp.DataType.Type.DECIMAL: "float64",
    exp.DataType.Type.VARCHAR: "string",
    exp.DataType.Type.TEXT: "string",
    exp.DataType.Type.DATE: "date",
    exp.DataType.Type.TIMESTAMP: "timestamp",
    exp.DataType.Type.BOOLEAN: "boolean",
}

ALLOWED = (
    "comparisons, AND/OR/NOT, IS [NOT] NULL, IN (...), BETWEEN, LIKE, + - * / %, ||, CASE, "
    + ", ".join(sorted({"COALESCE", "CAST", "ROUND", *(f.__name__.upper() for f in _FUNCTIONS)}))
)


class _Translator:
    def __init__(self, table: ibis.Table):
        self.table = table

    def visit(self, node: exp.Expression) -> ibis.Value:
        kind = type(node)
        if kind in _BINARY:
            return _BINARY[kind](self.visit(node.left), self.visit(node.right))
        if kind in _FUNCTIONS:
            return _FUNCTIONS[kind](self.visit(node.this))
        method = getattr(self, f"_{kind.__name__.lower()}", None)
        if method is None:
            raise ExpressionError(self._refusal(node))
        return method(node)

    def _refusal(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Select | exp.Subquery | exp.Query):
            return "a subquery is not allowed; the condition reads the dataset's own columns only"
        if isinstance(node, exp.Anonymous | exp.Func):
            name = node.sql_name() if not isinstance(node, exp.Anonymous) else node.name
            return f"function {name.upper()} is not allowed; allowed: {ALLOWED}"
        if isinstance(node, exp.Command | exp.DDL | exp.DML | exp.Drop):
            return "a statement is not allowed; write one condition, e.g. status = 'final'"
        return f"{node.key.upper()} is not allowed; allowed: {ALLOWED}"

    def _column(self, node: exp.Column | exp.Dot) -> ibis.Value:
        # a dotted name is one column: an output field path, input.<column>, <dataset>.<column>
        name = dotted(node)
        if name not in self.table.columns:
            close = difflib.get_close_matches(name, self.table.columns, n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else f"the dataset has: {', '.join(self.table.columns)}"
            )
            raise ExpressionError(f"unknown column {name!r}; {hint}")
        return self.table[name]

    _dot = _column

    def _literal(self, node: exp.Literal) -> ibis.Value:
        if node.is_string:
            return ibis.literal(node.this)
        number = float(node.this)
        return ibis.literal(int(number) if number.is_integer() and "." not in node.this else number)

    def _boolean(self, node: exp.Boolean) -> ibis.Value:
        return ibis.literal(bool(node.this))

    def _null(self, node: exp.Null) -> ibis.Value:
        return ibis.null()

    def _paren(self, node: exp.Paren) -> ibis.Value:
        return self.visit(node.this)

    def _not(self, node: exp.Not) -> ibis.Value:
        return ~self.visit(node.this)

    def _neg(self, node: exp.Neg) -> ibis.Value:
        return -self.visit(node.this)

    def _is(self, node: exp.Is) -> ibis.Value:
        if not isinstance(node.expression, exp.Null):
            raise ExpressionError("IS is allowed with NULL only (IS NULL, IS NOT NULL)")
        return self.visit(node.this).isnull()

    def _in(self, node: exp.In) -> ibis.Value:
        if node.args.get("query") or node.args.get("unnest"):
            raise ExpressionError("a subquery is not allowed; list the values, e.g. status IN ('a', 'b')")
        return self.visit(node.this).isin([self.visit(v) for v in node.expressions])

    def _between(self, node: exp.Between) -> ibis.Value:
        return self.visit(node.this).between(self.visit(node.args["low"]), self.visit(node.args["high"]))

    def _like(self, node: exp.Like) -> ibis.Value:
        return self.visit(node.this).like(self.visit(node.expression))

    def _ilike(self, node: exp.ILike) -> ibis.Value:
        return self.visit(node.this).ilike(self.visit(node.expression))

    def _coalesce(self, node: exp.Coalesce) -> ibis.Value:
        return ibis.coalesce(self.visit(node.this), *(self.visit(e) for e in node.expressions))

    def _round(self, node: exp.Round) -> ibis.Value:
        digits = node.args.get("decimals")
        return self.visit(node.this).round(int(digits.this) if digits is not None else 0)

    def _cast(self, node: exp.Cast) -> ibis.Value:
        target = _TYPES.get(node.to.this)
        if target is None:
            raise ExpressionError(f"CAST to {node.to.sql()} is not allowed; use one of {_type_names()}")
        return self.visit(node.this).cast(target)

    def _case(self, node: exp.Case) -> ibis.Value:
        if node.this is not None:
            raise ExpressionError(
                "write CASE WHEN <condition> THEN ... (a simple CASE x WHEN is not allowed)"
            )
        branches = [(self.visit(w.this), self.visit(w.args["true"])) for w in node.args.get("ifs", [])]
        default = node.args.get("default")
        return ibis.cases(*branches, else_=self.visit(default) if default is not None else None)


@functools.cache
def _type_names() -> str:
    return ", ".join(sorted({t.name for t in _TYPES}))


def dotted(node: exp.Column | exp.Dot) -> str:
    """The column a (possibly dotted) name in SQL means: a.b.c is the column named "a.b.c"."""
    if isinstance(node, exp.Dot):
        return f"{dotted(node.this)}.{node.expression.name}"
    return ".".join(part.name for part in node.parts)


def columns(text: str) -> list[str]:
    """The columns a predicate reads, in order of appearance."""
    tree = parse(text)
    outer = [d for d in tree.find_all(exp.Dot) if not isinstance(d.parent, exp.Dot)]
    inner = {id(c) for d in outer for c in d.find_all(exp.Column)}
    names = [dotted(d) for d in outer] + [dotted(c) for c in tree.find_all(exp.Column) if id(c) not in inner]
    return list(dict.fromkeys(names))

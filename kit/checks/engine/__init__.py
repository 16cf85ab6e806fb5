"""The rule engine: sources opened as Ibis tables, check kinds as data, one aggregate query per dataset.

A rule travels: answers.yaml -> pydantic ``Rule`` -> its kind in ``kinds.KINDS`` (params model,
predicate or aggregate, meaning) -> an Ibis expression (``compile``) -> one SQL aggregate per
dataset on the source's backend (``count``): embedded DuckDB for sample files, or the backend of a
named connection (PostgreSQL, Spark, ...). Only portable Ibis operations are used, so the same
rules give the same counts everywhere.
"""

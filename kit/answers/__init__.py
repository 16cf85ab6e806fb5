"""Answers: the schema of the answers file, loading it with a location for every problem, and the
output templates it names. The single source of truth every other room reads."""

"""record.json is made by one function from one typed model, and its published JSON Schema is
generated from that model: a record that breaks the schema cannot be written."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import EXAMPLES, ROOT
from pydantic import ValidationError

from kit import workbook
from kit.decide.evidence import gather
from kit.record import model

SCHEMA_FILE = ROOT / "docs" / "record.schema.json"
PROVENANCE = {
    "kit_version": "0",
    "schema_version": 1,
    "record_schema_version": 1,
    "answers_sha256": "0" * 64,
    "inputs": {"answers.yaml": "0" * 64},
    "parameters": {"project": ".", "as_of": None},
    "executed_at": "2026-11-27T00:00:00+00:00",
}


def test_the_published_schema_is_the_models() -> None:
    """Regenerate with: python -m kit.record.model > docs/record.schema.json (review the diff)."""
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == model.json_schema()


@pytest.mark.parametrize("example", ["medical_reports", "support_answers", "invoice_processing"])
def test_a_finished_run_validates_against_the_published_schema(example: str) -> None:
    emitted = json.loads(json.dumps(workbook.record_data(gather(EXAMPLES / example))))
    record = model.build("ignored for a finished run", PROVENANCE, emitted, None)
    jsonschema.validate(record, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert (
        record["status"] == "ok" and record["project"] == emitted["project"] != "ignored for a finished run"
    )
    assert record["decision"] == emitted["decision"] and record["checks"] == emitted["checks"]


def test_a_failed_run_has_its_failure_and_no_evidence() -> None:
    failure = {"step": "02_data_quality", "cell": 3, "error": "ValueError: bad"}
    record = model.build("Lab reports", PROVENANCE, None, failure)
    jsonschema.validate(record, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert (record["status"], record["failure"], record["decision"], record["checks"]) == (
        "failed",
        failure,
        None,
        [],
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("decision", "MAYBE"), ("completeness", 1.5), ("as_of", "yesterday"), ("surprise", 1)],
)
def test_a_body_that_breaks_the_model_is_refused(field: str, value) -> None:
    emitted = json.loads(json.dumps(workbook.record_data(gather(EXAMPLES / "support_answers"))))
    emitted[field] = value
    with pytest.raises(ValidationError):
        model.build("x", PROVENANCE, emitted, None)


class _CountingValidator:
    """A model's pydantic validator that counts its validations (by model name) and delegates."""

    def __init__(self, real, name: str, calls: collections.Counter):
        self.real, self.name, self.calls = real, name, calls

    def validate_python(self, *args, **kwargs):
        self.calls[self.name] += 1
        return self.real.validate_python(*args, **kwargs)

    def __getattr__(self, attr: str):
        return getattr(self.real, attr)


def test_the_record_data_is_validated_once_on_its_way_from_the_kernel(monkeypatch, tmp_path: Path) -> None:
    """Issue 21, part 3: the kernel emits the evidence unchecked and ``build`` validates it once,
    also when it carries an earlier record's trend (before: in the kernel, as Body again in build,
    as Record, and as Record once more over an earlier record). A malformed emission is still
    refused (test_a_body_that_breaks_the_model_is_refused)."""
    calls: collections.Counter = collections.Counter()
    for cls in (model.Body, model.Record):
        real = cls.__pydantic_validator__
        monkeypatch.setattr(cls, "__pydantic_validator__", _CountingValidator(real, cls.__name__, calls))
    emitted = json.loads(json.dumps(workbook.record_data(gather(EXAMPLES / "support_answers"))))
    assert calls == {}
    earlier = {**emitted, "status": "ok", "as_of": "2026-01-01", "provenance": PROVENANCE}
    previous = tmp_path / "record.json"
    previous.write_text(json.dumps(earlier), encoding="utf-8")
    record = model.build("x", PROVENANCE, emitted, None, previous)
    assert calls == {"Body": 1}
    assert [point["as_of"] for point in record["history"]] == ["2026-01-01"]
    assert record["decision"] == emitted["decision"] and record["status"] == "ok"

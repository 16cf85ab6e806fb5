"""Step forms without a browser: prefill, round trip, inline errors, atomic saves."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES

from kit.answers import loading as answers
from kit.answers.schema import STEP_KEYS
from kit.forms import StepForm, form_schema, from_form, to_form


@pytest.mark.parametrize("step", sorted(STEP_KEYS))
@pytest.mark.parametrize("example", ["medical_reports", "support_answers", "invoice_processing"])
def test_saving_an_untouched_form_changes_nothing(tmp_path: Path, example: str, step: str) -> None:
    import shutil

    project = tmp_path / example
    shutil.copytree(EXAMPLES / example, project)
    before = (project / "answers.yaml").read_bytes()
    form = StepForm(project, step)
    assert form.save(), form.errors.value
    assert (project / "answers.yaml").read_bytes() == before


def values(form: StepForm) -> dict:
    return form.form._form_element.getter()


def test_edit_and_save(medical: Path) -> None:
    form = StepForm(medical, "data_strategy")
    data = values(form)
    data["data_strategy"]["maintenance"]["audits"][0]["last_done"] = "2026-10-30"
    form.form._form_element.setter(data)
    assert form.save()
    assert (
        answers.load(medical).answers.data_strategy.maintenance.audits[0].last_done.isoformat()
        == "2026-10-30"
    )
    assert "Saved to answers.yaml" in form.status.value


def test_errors_are_shown_beside_their_fields_and_nothing_is_written(medical: Path) -> None:
    before = (medical / "answers.yaml").read_bytes()
    form = StepForm(medical, "problem_boundaries")
    data = values(form)
    data["problem_boundaries"]["outcome"]["desired_outcome"] = ""
    data["problem_boundaries"]["data"]["sources"][0]["freshness_sla_days"] = "daily"
    form.form._form_element.setter(data)
    assert not form.save()
    inline = {label.value for label in form._inline}
    assert any(v.startswith("⚠ is empty: The outcome the product is optimised for") for v in inline)
    assert any("valid integer" in v for v in inline)
    assert "problem_boundaries.data.sources[0].freshness_sla_days" in form.errors.value
    assert (medical / "answers.yaml").read_bytes() == before
    data["problem_boundaries"]["outcome"]["desired_outcome"] = "Faster, safer reports."
    data["problem_boundaries"]["data"]["sources"][0]["freshness_sla_days"] = "2"
    form.form._form_element.setter(data)
    assert form.save() and form._inline == []


def test_rule_parameters_are_edited_as_json(medical: Path) -> None:
    form = StepForm(medical, "data_quality")
    data = values(form)
    assert (
        data["data_quality"]["rules"][3]["params"]
        == '{"values": ["g/L", "mmol/L", "umol/L", "U/L", "mIU/L"]}'
    )
    data["data_quality"]["rules"][3]["params"] = '{"values": ["g/L"'
    form.form._form_element.setter(data)
    assert not form.save()
    assert "data_quality.rules[3].params" in form.errors.value


def test_reload_discards_unsaved_edits(medical: Path) -> None:
    form = StepForm(medical, "problem_boundaries")
    data = values(form)
    data["project"]["owner"] = "Nobody"
    form.form._form_element.setter(data)
    form.reload()
    assert values(form)["project"]["owner"] == "Dr. Amira Haddad, Clinical Informatics"


CODEC_CASES = [
    ({"type": "string", "x-codec": "int"}, 7, "7", 7),
    ({"type": "string", "x-codec": "int"}, None, "", None),
    ({"type": "string", "x-codec": "date"}, None, "", None),
    ({"type": "string", "x-codec": "float"}, 0.5, "0.5", 0.5),
    ({"type": "string", "x-codec": "json"}, {"a": [1]}, '{"a": [1]}', {"a": [1]}),
    ({"type": "string", "x-codec": "text"}, "x", "x", "x"),
]


@pytest.mark.parametrize(("schema", "value", "shown", "back"), CODEC_CASES)
def test_codecs_round_trip(schema, value, shown, back) -> None:
    assert to_form(schema, value) == shown
    assert from_form(schema, shown) == back


def test_form_schema_keeps_order_titles_and_no_constraints() -> None:
    schema = form_schema(STEP_KEYS["problem_boundaries"])
    assert list(schema["properties"]) == ["project", "problem_boundaries"]
    appropriateness = schema["properties"]["problem_boundaries"]["properties"]["appropriateness"]
    assert appropriateness["properties"]["error_tolerance"]["title"] == "Error tolerance"
    text = str(schema)
    assert "minLength" not in text and "$ref" not in text and "'additionalProperties': False" not in text


@pytest.mark.parametrize(("flag", "shown"), [(True, True), (False, False), ("false", False), ("True", True)])
def test_show_form_flag_accepts_papermill_strings(medical: Path, flag, shown: bool) -> None:
    from kit import workbook

    assert (workbook.form(medical, "data_strategy", show=flag) is not None) is shown

"""Step forms without a browser: prefill, round trip, inline errors, atomic saves."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

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


# --- forms an analyst can fill ----------------------------------------------------------------


def descendants(widget) -> list:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += descendants(child)
    return found


def test_labels_are_sentences_not_title_cased_identifiers() -> None:
    import ipywidgets as w

    form = StepForm(EXAMPLES / "medical_reports", "problem_boundaries")
    labels = {x.value for x in descendants(form.widget) if isinstance(x, w.Label)}
    labels |= {x.description for x in descendants(form.widget) if isinstance(x, w.Checkbox)}
    assert {"Human curates outputs", "Freshness SLA days", "Desired outcome"} <= labels
    assert "Human Curates Outputs" not in labels and "Freshness Sla Days" not in labels


def test_free_text_grows_and_help_sits_under_its_label(medical: Path) -> None:
    import ipywidgets as w

    form = StepForm(medical, "problem_boundaries")
    (box,) = [
        x
        for x in descendants(form.widget)
        if isinstance(x, w.VBox) and x.children and getattr(x.children[0], "value", "") == "Desired outcome"
    ]
    _, help_text, area = box.children[:3]
    assert "optimised for" in help_text.value and "font-size:13px" in help_text.value
    assert isinstance(area, w.Textarea)
    area.value = "A sentence of forty-odd characters here. " * 8 + "\n" + "Second paragraph."
    assert area.rows == 4  # 328 characters: 3 lines of up to 110, then the second paragraph's line
    assert (
        area.layout.border in (None, "", "none")
        and "\nSecond paragraph." in values(form)["problem_boundaries"]["outcome"]["desired_outcome"]
    )
    area.value = "short"
    assert area.rows == 1


def test_choices_explain_themselves_in_the_rubrics_words(medical: Path) -> None:
    import ipywidgets as w
    import yaml

    rubric = yaml.safe_load((ROOT / "templates" / "rubrics" / "solution_fit.yaml").read_text())
    reasons = next(f for f in rubric["factors"] if f["answer"] == "error_tolerance")["because"]
    form = StepForm(medical, "problem_boundaries")
    labels = {
        label
        for x in descendants(form.widget)
        if isinstance(x, w.Dropdown)
        for label, value in (o if isinstance(o, tuple) else (o, o) for o in x.options)
        if value == "low"
    }
    assert f"low — {reasons['low']}" in labels, labels


def test_lists_of_records_are_one_titled_row_per_item_opened_on_demand(medical: Path) -> None:
    import ipywidgets as w

    form = StepForm(medical, "data_quality")
    folded = {
        x.get_title(0): x.selected_index for x in descendants(form.widget) if isinstance(x, w.Accordion)
    }
    ids = [r.id for r in answers.load(medical).answers.data_quality.rules]
    titled = [t for t in folded if t.split(" — ")[0] in ids]
    assert len(titled) == len(ids) and all(folded[t] is None for t in titled)
    buttons = {x.description for x in descendants(form.widget) if isinstance(x, w.Button)}
    assert {"Remove", "Up", "Down", "Save", "Reload"} <= buttons


def test_a_field_changed_on_disk_and_in_the_form_is_a_conflict_named_then_overwritten(medical: Path) -> None:
    from conftest import apply_edits

    form = StepForm(medical, "problem_boundaries")
    data = values(form)
    data["project"]["owner"] = "Form Owner"
    form.form._form_element.setter(data)
    apply_edits(medical, {"project.owner": "Disk Owner", "project.summary": "Changed on disk."})
    assert not form.save()
    assert "changed on disk since this form loaded it" in form.status.value
    assert "project.owner" in form.status.value
    assert answers.load(medical).answers.project.owner == "Disk Owner"
    assert form.save(), form.status.value  # Save again: the form's value wins, the rest is kept
    saved = answers.load(medical).answers.project
    assert (saved.owner, saved.summary) == ("Form Owner", "Changed on disk.")


def test_a_form_save_and_a_sign_off_landing_meanwhile_both_survive(medical: Path, monkeypatch) -> None:
    """The sign-off holds the answers file's lock while the form saves: the form waits for it,
    re-reads the file and writes only its own edit over it."""
    import datetime as dt
    import threading
    import time

    from kit.answers import signoff

    form = StepForm(medical, "data_quality")
    data = values(form)
    data["data_quality"]["rules"][0]["description"] = "Edited in the form."
    form.form._form_element.setter(data)

    seen = signoff.content_sha256(answers.load(medical).answers)
    inside, real = threading.Event(), signoff.content_sha256

    def slow_hash(loaded_answers):  # called by sign() under the lock, before it writes
        inside.set()
        time.sleep(0.5)
        return real(loaded_answers)

    monkeypatch.setattr(signoff, "content_sha256", slow_hash)
    signer = threading.Thread(
        target=signoff.sign,
        args=(medical, "patient advocate", "approved", "Fine.", dt.date(2026, 10, 30), seen),
    )
    signer.start()
    assert inside.wait(5)
    assert form.save(), form.status.value + form.errors.value
    signer.join()
    saved = answers.load(medical).answers.data_quality
    assert saved.rules[0].description == "Edited in the form."
    assert (saved.validation_team[2].sign_off.decision, saved.validation_team[2].sign_off.notes) == (
        "approved",
        "Fine.",
    )


# --- trying a rule and the live decision ------------------------------------------------------


def test_the_rule_editor_tries_the_planted_count_adds_the_rule_and_the_panel_shows_it(medical: Path) -> None:
    from planted import planted

    form = StepForm(medical, "data_quality")
    assert form.widget is not None  # shown: the panel is drawn
    editor = form.rule_editor
    assert set(editor.dataset.options) == {"lab_results", "patients", "reference_ranges"}
    editor.dataset.value = "lab_results"
    assert "unit" in editor.columns.allowed_tags and "<code>unit</code> string" in editor.column_list.value
    editor.columns.value = ["unit"]
    editor.check.value = "not_null"
    tried = editor.try_it()
    assert tried.count == len(planted("medical_reports")["rows"]["missing_unit"]) == 12
    assert "12 of 3,504 lab results" in editor.result.value
    editor.check.value = "in_set"
    editor.params["values"].value = "[g/L, mmol/L]"
    assert editor.rule()["params"] == {"values": ["g/L", "mmol/L"]}  # parameters follow the kind
    editor.check.value = "not_null"
    editor.rule_id.value = "unit_there"
    assert editor.add(), form.errors.value
    saved = answers.load(medical).answers.data_quality.rules[-1]
    assert (saved.id, saved.check, saved.columns) == ("unit_there", "not_null", ["unit"])
    assert "new condition" in form.panel.value and "12 of 3,504 lab results" in form.panel.value


def test_the_panel_says_what_a_save_resolved(medical: Path) -> None:
    form = StepForm(medical, "data_quality")
    assert form.widget is not None  # shown: the panel is drawn
    assert "What this save changed" not in form.panel.value  # nothing saved yet
    assert "no value in unit" in form.panel.value
    data = values(form)
    (unit_present,) = [r for r in data["data_quality"]["rules"] if r["id"] == "unit_present"]
    unit_present["min_pass_rate"] = 0.99  # 12 of 3,504 missing is 99.66 % passing
    form.form._form_element.setter(data)
    assert form.save(), form.errors.value
    from kit.record.render import without_style

    resolved = [line for line in without_style(form.panel.value).split("<li") if "wbk-resolved" in line]
    assert len(resolved) == 1 and "resolved" in resolved[0] and "no value in unit" in resolved[0]


def test_the_panel_names_the_rubric_answers_that_would_change_the_verdict(medical: Path) -> None:
    # Worked by hand from templates/rubrics/solution_fit.yaml: medical scores 3*0 - 2*1 - 2*2 + 2*1
    # - 1*1 = -5 (GenAI with human review, -6 < total <= 2). Alone, creativity none gives -11
    # (deterministic), consistency exact -7 and no human curation -9 (hybrid); no other single
    # answer leaves the band.
    form = StepForm(medical, "problem_boundaries")
    assert form.widget is not None  # shown: the panel is drawn
    assert "Answers that would change the verdict" in form.panel.value
    flips = form._standing.flips
    assert flips == [
        "Needs creativity: none -> verdict Use a deterministic system",
        "Output consistency: exact -> verdict Hybrid (deterministic core, GenAI for narrative)",
        "Human curates outputs: false -> verdict Hybrid (deterministic core, GenAI for narrative)",
    ]

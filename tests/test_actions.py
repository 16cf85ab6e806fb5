"""The path to GO: every blocker and condition an action with one owner and one due date, and
acceptances judged like sign-offs. Expected owners, dates and failing checks are read here from
each example's answers.yaml and planted.json (the generator's truth), not from the kit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import EXAMPLES, apply_edits, copy_example
from planted import BY_KIND, csv_rows, expected_checked, expected_failing, planted

from kit.answers import yamlfile
from kit.answers.acceptances import accept
from kit.answers.signoff import SignOffRefused, content_sha256
from kit.decide import acceptances as judged
from kit.decide.actions import path_to_go
from kit.decide.decision import CONDITIONS, GO, Reason, decide
from kit.decide.evidence import gather
from kit.findings import AnswersError

EXAMPLE_NAMES = ("medical_reports", "job_adverts", "support_answers", "invoice_processing")


def raw(example: str | Path) -> dict:
    path = example if isinstance(example, Path) else EXAMPLES / example
    return yamlfile.read(path / "answers.yaml").data


def planted_failing_checks(example: str) -> set[str]:
    """Rule and output checks with more planted defects than their min_pass_rate allows."""
    truth = planted(example)
    if example in BY_KIND:
        defects = {check: len(ids) for check, ids in expected_failing(example, BY_KIND[example]).items()}
    else:
        defects = {check: len(spec["failing"]) for check, spec in truth["checks"].items()}
    data = raw(example)
    rules = {r["id"]: r for r in data["data_quality"]["rules"]}
    samples = {s["id"]: s.get("sample") for s in data["problem_boundaries"]["data"]["sources"]}
    checked = {  # a rule reads every row of its dataset's sample
        **{
            c: csv_rows(EXAMPLES / example / samples[r["dataset"]])
            for c, r in rules.items()
            if c in defects and samples.get(r["dataset"])  # rules on generated outputs: expected_checked
        },
        **expected_checked(example),
    }
    allowed = {c: 1 - rules.get(c, {}).get("min_pass_rate", 1.0) for c in defects}
    return {c for c, n in defects.items() if n and (not allowed[c] or n > allowed[c] * checked[c] + 1e-9)}


def closes(data: dict, check: str) -> str:
    """A warning rule's failure may be accepted; a blocking rule's and an output check's only fixed."""
    rule = next((r for r in data["data_quality"]["rules"] if r["id"] == check), {})
    return "fix or accept" if rule.get("severity") == "warning" else "fix"


def expected_owner(data: dict, check: str) -> str:
    """The rule's owner, else its dataset source's owner; output checks and rules on the generated
    outputs (no source of their own): the project's owner."""
    rule = next((r for r in data["data_quality"]["rules"] if r["id"] == check), None)
    if rule is None:
        return data["project"]["owner"]
    sources = {s["id"]: s.get("owner") for s in data["problem_boundaries"]["data"]["sources"]}
    return rule.get("owner") or sources.get(rule["dataset"]) or data["project"]["owner"]


def overdue_audits(data: dict) -> dict[str, tuple[str, dt.date]]:
    as_of = data["project"]["as_of"]
    out = {}
    for audit in data["data_strategy"]["maintenance"]["audits"]:
        due = audit["last_done"] + dt.timedelta(days=audit["cadence_days"])
        if due < as_of:
            out[f"audit.{audit['id']}"] = (audit["owner"], due)
    return out


@pytest.fixture(scope="module")
def paths() -> dict[str, dict]:
    out = {}
    for example in EXAMPLE_NAMES:
        ev = gather(EXAMPLES / example)
        out[example] = path_to_go(ev, decide(ev))
    return out


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_every_planted_failure_is_an_action_owned_and_due_in_30_days(example: str, paths) -> None:
    data = raw(example)
    due = data["project"]["as_of"] + dt.timedelta(days=30)
    actions = {a["evidence"]: a for a in paths[example]["actions"]}
    for check in planted_failing_checks(example):
        assert check in actions, f"{example}: planted failure of {check} has no action"
        assert actions[check]["owner"] == expected_owner(data, check)
        assert actions[check]["due"] == due.isoformat()
        assert actions[check]["closes"] == closes(data, check)


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_an_overdue_audit_is_an_overdue_action_of_the_audits_owner(example: str, paths) -> None:
    actions = {a["evidence"]: a for a in paths[example]["actions"]}
    for evidence, (owner, due) in overdue_audits(raw(example)).items():
        assert actions[evidence]["owner"] == owner
        assert actions[evidence]["due"] == due.isoformat()
        assert actions[evidence]["overdue"] is True
        assert actions[evidence]["closes"] == "fix or accept"
    overdue = [a["overdue"] for a in paths[example]["actions"]]
    assert overdue == sorted(overdue, reverse=True), "overdue actions come first"


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_every_unsigned_member_owns_the_action_of_their_sign_off(example: str, paths) -> None:
    actions = {a["evidence"]: a for a in paths[example]["actions"]}
    for i, member in enumerate(raw(example)["data_quality"]["validation_team"]):
        evidence = f"data_quality.validation_team[{i}].sign_off"
        if member["sign_off"]["decision"] in ("pending", "approved_with_conditions"):
            assert member["person"] in actions[evidence]["owner"]
        else:
            assert evidence not in actions


def test_examples_without_failures_have_nothing_open(paths) -> None:
    assert planted_failing_checks("support_answers") == set()
    assert paths["support_answers"]["actions"] == []
    assert paths["support_answers"]["becomes"] == "Nothing is open: the decision is GO."
    assert "deterministic" in paths["invoice_processing"]["becomes"]


def test_the_job_adverts_path_names_its_fourteen_conditions(paths) -> None:
    """13 planted rule and output failures (the inclusive-wording and pay-band rules among them) and
    the pay-band review (due 2026-09-01, overdue)."""
    job = paths["job_adverts"]
    assert len(job["actions"]) == len(planted_failing_checks("job_adverts")) + 1 == 14
    assert job["actions"][0]["evidence"] == "audit.pay_band_review"
    assert job["becomes"] == "When these 14 actions close, the decision becomes GO."
    assert job["may_accept"] == ["employment law counsel"]


# --- acceptances --------------------------------------------------------------------------------


def _accept(project: Path, item: str, role: str = "employment law counsel", **kw) -> None:
    ev = gather(project)
    outcome = decide(ev)
    text = next(c for c in outcome.conditions + outcome.accepted if c.evidence == item)
    check = next((c for c in ev.checks if c.id == item), None)
    accept(
        project,
        item,
        role,
        kw.get("reason", "re-approved by the hiring managers in November"),
        kw.get("date", dt.date(2026, 11, 18)),
        kw.get("expires", dt.date(2027, 2, 1)),
        judged.evidence_digest(item, check, text.text),
        content_sha256(ev.answers),
    )


@pytest.fixture
def job(tmp_path: Path) -> Path:
    return copy_example("job_adverts", tmp_path)


def test_an_accepted_warning_leaves_the_open_list(job: Path) -> None:
    _accept(job, "requisition_open")
    assert raw(job)["acceptances"][0]["by_role"] == "employment law counsel"
    outcome = decide(gather(job))
    assert [c.evidence for c in outcome.accepted] == ["requisition_open"]
    assert "requisition_open" not in {c.evidence for c in outcome.conditions}
    path = path_to_go(gather(job), outcome)
    assert len(path["actions"]) == 13
    assert path["accepted"][0]["reason"] == "re-approved by the hiring managers in November"


def only_warnings_open(project: Path) -> None:
    """Job adverts with its fix-only conditions allowed away: min_pass_rate 0 on the rules that fail,
    no generated outputs and no rules on them (unacceptable outputs then name the warning rule). Two conditions stay:
    the warning rule requisition_open and the overdue pay-band review."""
    ev = gather(project)
    fix_only = {c.evidence for c in decide(ev).conditions if not c.may_accept}
    data = raw(project)
    for rule in data["data_quality"]["rules"]:
        if rule["id"] in fix_only:
            rule["min_pass_rate"] = 0.0
    data["data_quality"]["unacceptable_outputs"] = [
        {**u, "caught_by": ["requisition_open"]} for u in data["data_quality"]["unacceptable_outputs"]
    ]
    outputs = data["data_quality"].pop("generated_outputs")
    data["data_quality"]["rules"] = [
        r for r in data["data_quality"]["rules"] if r["dataset"] != outputs.get("id", "outputs")
    ]
    (project / "answers.yaml").write_text(yamlfile.dump(data), encoding="utf-8")


def test_accepting_every_acceptable_condition_recomputes_the_decision(job: Path) -> None:
    only_warnings_open(job)
    outcome = decide(gather(job))
    acceptable = [c.evidence for c in outcome.conditions]
    assert outcome.decision == CONDITIONS
    assert acceptable == ["requisition_open", "audit.pay_band_review"]
    for item in acceptable:
        _accept(job, item)
    outcome = decide(gather(job))
    assert outcome.decision == GO
    assert {c.evidence for c in outcome.accepted} == set(acceptable)
    assert (
        path_to_go(gather(job), outcome)["becomes"]
        == "Nothing is open: the decision is GO, with 2 accepted conditions."
    )


def test_a_later_acceptance_replaces_the_earlier_and_keeps_it(job: Path) -> None:
    _accept(job, "requisition_open", reason="first reason")
    _accept(job, "requisition_open", reason="second reason", date=dt.date(2026, 11, 19))
    states = [(a.acceptance.reason, a.state) for a in decide(gather(job)).acceptances]
    assert states == [("first reason", "replaced"), ("second reason", "holds")]


def test_an_expired_acceptance_reopens_the_item_as_overdue(job: Path) -> None:
    _accept(job, "requisition_open", date=dt.date(2026, 10, 1), expires=dt.date(2026, 11, 1))
    ev = gather(job)
    outcome = decide(ev)
    assert [a.state for a in outcome.acceptances] == ["expired"]
    action = next(a for a in path_to_go(ev, outcome)["actions"] if a["evidence"] == "requisition_open")
    assert (action["due"], action["overdue"]) == ("2026-11-01", True)


def test_an_acceptance_goes_stale_when_a_failing_row_is_added(job: Path) -> None:
    _accept(job, "requisition_open")
    csv = job / "data" / "requisitions.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    stale_row = next(line for line in lines[1:] if "2025-" in line.split(",")[header.index("opened_on")])
    new_row = "REQ-99999," + stale_row.split(",", 1)[1]
    csv.write_text("\n".join([*lines, new_row]) + "\n", encoding="utf-8")
    outcome = decide(gather(job))
    assert [a.state for a in outcome.acceptances] == ["stale"]
    assert "requisition_open" in {c.evidence for c in outcome.conditions}


def test_a_fix_only_condition_cannot_be_accepted(job: Path) -> None:
    apply_edits(
        job,
        {
            "acceptances": [
                {
                    "item": "salary_stated",
                    "by_role": "employment law counsel",
                    "reason": "we will ask",
                    "date": dt.date(2026, 11, 18),
                    "expires": dt.date(2027, 1, 1),
                }
            ]
        },
    )
    outcome = decide(gather(job))
    assert [a.state for a in outcome.acceptances] == ["refused_fix"]
    assert "salary_stated" in {c.evidence for c in outcome.conditions}


def test_a_blocker_can_never_be_accepted() -> None:
    from kit.answers.schema import Acceptance

    blocker = Reason("check x could not be checked", "x", may_accept=True)
    acceptance = Acceptance(item="x", by_role="r", reason="r", date="2026-01-01", expires="2027-01-01")
    result = judged.judge([acceptance], [blocker], [], {}, dt.date(2026, 6, 1))
    assert [r.state for r in result] == ["refused_blocker"]


def test_a_role_that_may_not_accept_is_a_located_error(job: Path) -> None:
    apply_edits(
        job,
        {
            "acceptances": [
                {
                    "item": "requisition_open",
                    "by_role": "works council member",
                    "reason": "fine",
                    "date": dt.date(2026, 11, 18),
                    "expires": dt.date(2026, 11, 10),
                }
            ]
        },
    )
    with pytest.raises(AnswersError) as raised:
        gather(job)
    text = str(raised.value)
    assert "acceptances[0].by_role" in text and "may not accept" in text
    assert "acceptances[0].expires" in text
    lines = (job / "answers.yaml").read_text(encoding="utf-8").splitlines()
    finding = next(f for f in raised.value.findings if f.path.endswith("by_role"))
    assert "works council member" in lines[finding.line - 1]
    with pytest.raises(SignOffRefused, match="may not accept"):
        _accept(
            copy_example("job_adverts", job.parent / "again"), "requisition_open", role="works council member"
        )

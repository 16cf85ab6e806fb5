"""Sign-offs: the answers hash, the state each sign-off is judged to be in at as_of, and writing one
back to answers.yaml under a lock (comments kept, no lost update, refused when the answers moved)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, apply_edits

from kit.answers import loading as answers_io
from kit.answers.schema import SignOff
from kit.answers.signoff import AnswersChanged, SignOffRefused, content_sha256, sign
from kit.decide import team
from kit.decide.decision import decide
from kit.decide.evidence import gather
from kit.run.batch import run_projects
from kit.run.project import validate

D = dt.date.fromisoformat
AS_OF = D("2026-11-01")
CURRENT, OTHER = "a" * 64, "b" * 64
COMMENT = "# every freshness, audit and sign-off check is evaluated against this date"

# signed decision, date, hash, interval days -> state at AS_OF
STATES = {
    "pending, no date": ("pending", None, None, 90, "pending"),
    "pending with an old date": ("pending", "2020-01-01", None, 90, "pending"),
    "approved, hash matches": ("approved", "2026-10-20", CURRENT, 90, "approved"),
    "approved, no hash, recent": ("approved", "2026-10-20", None, 90, "approved"),
    "approved, hash differs": ("approved", "2026-10-20", OTHER, 90, "stale"),
    "with conditions, hash differs": ("approved_with_conditions", "2026-10-31", OTHER, 90, "stale"),
    "approved on as_of": ("approved", "2026-11-01", CURRENT, 90, "approved"),
    "approved exactly interval days before": ("approved", "2026-08-03", CURRENT, 90, "approved"),
    "approved one day past the interval": ("approved", "2026-08-02", CURRENT, 90, "stale"),
    "no hash, past a short interval": ("approved", "2026-10-20", None, 7, "stale"),
    "approved, undated": ("approved", None, CURRENT, 90, "stale"),
    "approved the day after as_of": ("approved", "2026-11-02", CURRENT, 90, "invalid"),
    "rejected, hash differs: still rejected": ("rejected", "2026-10-20", OTHER, 90, "rejected"),
    "rejected long ago: still rejected": ("rejected", "2025-01-01", CURRENT, 90, "rejected"),
    "rejected after as_of": ("rejected", "2026-12-01", CURRENT, 90, "invalid"),
}


@pytest.mark.parametrize("case", STATES)
def test_sign_off_state_at_as_of(case: str) -> None:
    decision, date, sha, interval, expected = STATES[case]
    sign_off = SignOff(decision=decision, date=date, answers_sha256=sha, notes="n")
    judged = team.judge(sign_off, AS_OF, interval, CURRENT)
    assert judged.state == expected
    assert judged.verified == (None if decision == "pending" else sha == CURRENT)
    if expected == "stale":
        assert judged.reason


def test_a_sign_off_without_hash_is_marked_unverified() -> None:
    judged = team.judge(SignOff(decision="approved", date="2026-10-20"), AS_OF, 90, CURRENT)
    assert judged.state == "approved"
    assert "unverified" in judged.reason


def test_hash_is_sha256_of_the_canonical_answers_without_sign_offs(medical: Path) -> None:
    answers = answers_io.load(medical).answers
    data = answers.model_dump(mode="json", exclude_defaults=True)
    del data["project"]["as_of"]
    for member in data["data_quality"]["validation_team"]:
        member.pop("sign_off", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content_sha256(answers) == hashlib.sha256(text.encode()).hexdigest()


def test_hash_ignores_sign_offs_as_of_and_comments_but_not_answers(medical: Path) -> None:
    before = content_sha256(answers_io.load(medical).answers)
    path = medical / "answers.yaml"
    path.write_text("# a new comment\n" + path.read_text(), encoding="utf-8")
    apply_edits(
        medical,
        {
            "project.as_of": D("2026-11-20"),
            "data_quality.validation_team[2].sign_off": {"decision": "approved", "date": D("2026-11-02")},
            "data_quality.review_interval_days": 30,
            "data_quality.rules[0].min_pass_rate": 1.0,  # a default spelled out
        },
    )
    assert content_sha256(answers_io.load(medical).answers) == before
    apply_edits(medical, {"project.name": "Lab result report drafting (v2)"})
    assert content_sha256(answers_io.load(medical).answers) != before


def test_examples_keep_their_decisions_and_stay_unverified() -> None:
    expected = {"medical_reports": "GO WITH CONDITIONS", "support_answers": "GO"}
    for example, decision in expected.items():
        ev = gather(ROOT / "examples" / example)
        assert decide(ev).decision == decision
        assert not ev.team.stale
        signed = [row for row in ev.team.matrix if row["signed"] != "pending"]
        assert signed and all(row["verified"] is False for row in signed)


def _seen(project: Path) -> str:
    return content_sha256(answers_io.load(project).answers)


def test_sign_writes_the_sign_off_with_its_hash_and_keeps_comments(medical: Path) -> None:
    path = medical / "answers.yaml"
    before = path.read_text(encoding="utf-8")
    seen = _seen(medical)
    sign(medical, "patient advocate", "approved", "Readable.", D("2026-10-30"), seen)
    # only that member's sign_off changed, in the file's own flow style; every other byte is kept
    written = (
        '      sign_off: {decision: approved, date: 2026-10-30, notes: "Readable.",\n'
        f"                 answers_sha256: {seen}}}"
    )
    assert path.read_text(encoding="utf-8") == before.replace("      sign_off: {decision: pending}", written)
    member = answers_io.load(medical).answers.data_quality.validation_team[2]
    assert (member.sign_off.decision, member.sign_off.date) == ("approved", D("2026-10-30"))
    assert (member.sign_off.notes, member.sign_off.answers_sha256) == ("Readable.", seen)
    ev = gather(medical)
    assert ev.team.matrix[2]["decision"] == "approved" and ev.team.matrix[2]["verified"] is True
    assert ev.team.matrix[0]["decision"] == "approved_with_conditions"  # the others are untouched


def test_a_member_without_sign_off_gets_one_and_comments_stay(medical: Path) -> None:
    apply_edits(medical, {}, delete=("data_quality.validation_team[2].sign_off",))
    sign(medical, 2, "rejected", "Alarming wording.", D("2026-10-30"), _seen(medical))
    text = (medical / "answers.yaml").read_text(encoding="utf-8")
    assert COMMENT in text and text.startswith("# Working Backwards Kit answers")
    member = answers_io.load(medical).answers.data_quality.validation_team[2]
    assert (member.sign_off.decision, member.sign_off.notes) == ("rejected", "Alarming wording.")
    assert decide(gather(medical)).decision == "NO-GO"


def test_editing_the_answers_after_signing_makes_it_stale(medical: Path) -> None:
    sign(medical, 2, "approved", None, D("2026-10-30"), _seen(medical))
    apply_edits(medical, {"problem_boundaries.outcome.desired_outcome": "Drafts that patients act on."})
    ev = gather(medical)
    assert ev.team.matrix[2]["decision"] == "stale"
    assert "changed" in ev.team.matrix[2]["reason"]
    stale = [c for c in decide(ev).conditions if c.evidence == "data_quality.validation_team[2].sign_off"]
    assert len(stale) == 1 and "stale" in stale[0].text


def test_the_built_record_shows_a_sign_off_made_stale_by_an_edit(medical: Path, tmp_path: Path) -> None:
    seen = _seen(medical)
    sign(medical, "compliance", "approved", None, D("2026-10-30"), seen)
    apply_edits(medical, {"problem_boundaries.legal.copyright_and_fair_use": "Changed after sign-off."})
    assert run_projects([str(medical)], tmp_path / "build") == 0
    record = json.loads((tmp_path / "build" / "medical_reports" / "record.json").read_text())
    compliance = record["sign_offs"][3]
    assert (compliance["decision"], compliance["state"], compliance["verified"]) == (
        "approved",
        "stale",
        False,
    )
    assert compliance["answers_sha256"] == seen
    assert "changed" in compliance["reason"]
    stale = [c for c in record["conditions"] if c["evidence"] == "data_quality.validation_team[3].sign_off"]
    assert len(stale) == 1 and "stale" in stale[0]["text"]
    html = (tmp_path / "build" / "medical_reports" / "record.html").read_text(encoding="utf-8")
    assert "Tom Becker (data protection officer)): sign-off is stale" in html


def test_sign_refuses_answers_changed_since_loaded(medical: Path) -> None:
    seen = _seen(medical)
    apply_edits(medical, {"project.summary": "Changed while the reviewer was reading."})
    before = (medical / "answers.yaml").read_bytes()
    with pytest.raises(AnswersChanged, match="reload"):
        sign(medical, "compliance", "approved", None, D("2026-10-30"), seen)
    assert (medical / "answers.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("member", "decision", "notes", "date", "message"),
    [
        ("compliance", "approved", None, "2026-11-02", "after it"),
        ("compliance", "rejected", "  ", "2026-10-30", "write why"),
        ("compliance", "approved_with_conditions", None, "2026-10-30", "the conditions"),
        ("compliance", "maybe", None, "2026-10-30", "decision must be one of"),
        ("surgeon", "approved", None, "2026-10-30", "no single team member"),
        (9, "approved", None, "2026-10-30", "no team member 9"),
    ],
)
def test_sign_refuses_bad_requests(medical: Path, member, decision, notes, date, message) -> None:
    before = (medical / "answers.yaml").read_bytes()
    with pytest.raises(SignOffRefused, match=message):
        sign(medical, member, decision, notes, D(date), _seen(medical))
    assert (medical / "answers.yaml").read_bytes() == before


def test_a_sign_off_dated_after_as_of_is_a_located_error(medical: Path) -> None:
    apply_edits(medical, {"data_quality.validation_team[1].sign_off.date": D("2026-11-05")})
    errors = validate(medical).errors
    assert [e.path for e in errors] == ["data_quality.validation_team[1].sign_off.date"]
    assert errors[0].line > 0 and "after as_of 2026-11-01" in errors[0].message
    with pytest.raises(Exception, match=r"validation_team\[1\]\.sign_off\.date"):
        gather(medical, as_of="2026-11-03")  # the run's as_of counts: 2026-11-05 is after it too
    assert gather(medical, as_of="2026-11-05").team.matrix[1]["decision"] == "approved"


SIGNER = """
import datetime as dt, sys, time
from pathlib import Path
from kit.answers.signoff import sign
project, member, seen, go = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
Path(f"{go}.ready{member}").touch()
while not go.exists():
    time.sleep(0.001)
sign(project, member, "approved", f"signed by process {member}", dt.date(2026, 10, 31), seen)
"""


def test_concurrent_sign_offs_all_land(medical: Path, tmp_path: Path) -> None:
    """Four reviewers sign at the same moment, each in its own process: no update is lost."""
    seen, go = _seen(medical), tmp_path / "go"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    signers = [
        subprocess.Popen([sys.executable, "-c", SIGNER, str(medical), str(i), seen, str(go)], env=env)
        for i in range(4)
    ]
    while len(list(tmp_path.glob("go.ready*"))) < 4:  # every process has imported the kit
        assert all(p.poll() is None for p in signers), "a signer died before the start"
        time.sleep(0.01)
    go.touch()
    assert [p.wait(timeout=120) for p in signers] == [0, 0, 0, 0]
    team_now = answers_io.load(medical).answers.data_quality.validation_team
    assert [m.sign_off.notes for m in team_now] == [f"signed by process {i}" for i in range(4)]
    assert all(m.sign_off.answers_sha256 == seen for m in team_now)
    assert COMMENT in (medical / "answers.yaml").read_text(encoding="utf-8")

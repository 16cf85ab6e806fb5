"""The review page (``wbk review``): a reviewer picks their role, reads what it validates and the
evidence behind it, and signs. Shown by Voilà from notebooks/review.ipynb; no code is visible.

The page keeps the hash of the answers it shows (``seen``); signing writes it with the sign-off,
and is refused when the answers changed meanwhile (kit.answers.signoff), so nobody signs what
they did not see. With it go the digest and keys of the decision's blockers and conditions as
shown (kit.decide.seen), so a later run can say what the reviewer had not seen. The evidence is
the record's own blocks (kit.workbook), read-only.

A member whose role may accept (``may_accept: true``) also sees "Accept a condition": an open
"resolve or accept" condition, a reason and an expiry date, written to the answers' acceptances
(kit.answers.acceptances) with the digest of the condition's evidence as shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path

import ipywidgets as widgets

from kit import phrases
from kit import workbook as wb
from kit.answers.acceptances import accept
from kit.answers.signoff import SignOffRefused, content_sha256, sign
from kit.decide import acceptances, seen
from kit.decide.decision import decide
from kit.decide.evidence import Evidence
from kit.decide.team import matching_role
from kit.findings import AnswersError

# The record's sections a reviewer can be shown, by the names templates/rubrics/roles.yaml uses.
SECTIONS: dict[str, tuple[str, Callable[[Evidence], wb.Block]]] = {
    "appropriateness": ("Is GenAI the right tool?", wb.appropriateness),
    "legal": ("Licences, personal data and risks", wb.legal_register),
    "sources": ("Sources", wb.sources),
    "lineage": ("Where each output field comes from", wb.lineage),
    "rules": ("Data-quality rules", wb.rules),
    "outputs": ("Acceptance of generated outputs", wb.outputs),
    "maintenance": ("Audits, monitoring and bias", wb.maintenance),
}
DECISIONS = [
    ("Approved", "approved"),
    ("Approved with conditions", "approved_with_conditions"),
    ("Rejected", "rejected"),
]
DECISION_LABELS = {value: label for label, value in DECISIONS}
STATE_LABELS = {
    "approved": "approved",
    "approved_with_conditions": "approved with conditions",
    "pending": "pending",
    "rejected": "rejected",
    "stale": "stale",
    "invalid": "invalid",
}


def sections_for(role: str, domain: str) -> list[str]:
    """What a role reviews: its expected role's sections, else everything."""
    expected = matching_role(role, domain)
    return expected.sections if expected and expected.sections else list(SECTIONS)


ACCEPT_FOR_DAYS = 90  # the expiry the form proposes; the reviewer may choose another


def default_date(as_of: dt.date, today: dt.date | None = None) -> dt.date:
    """Today, unless the record is judged as of an earlier day: a sign-off may not postdate as_of."""
    today = today or dt.date.today()
    return min(today, as_of)


class ReviewPage:
    """Role picker, the role's evidence, and the sign-off form, bound to one project."""

    def __init__(self, project: str | Path):
        self.project = wb.resolve_project(project)
        self.ev: Evidence | None = None
        self.seen = ""
        self.seen_evidence: seen.Seen | None = None
        self.header = widgets.HTML()
        self.role = widgets.Dropdown(description="Your role", options=[], value=None)
        self.role.layout.width = "48em"
        self.role.style.description_width = "6em"
        self.about = widgets.HTML()
        self.evidence = widgets.HTML()
        self.decision = widgets.RadioButtons(options=DECISIONS, value=None, description="Decision")
        self.notes = widgets.Textarea(
            description="Notes",
            placeholder="Conditions, reasons, or what you checked",
            layout=widgets.Layout(width="40em", height="6em"),
        )
        self.date = widgets.DatePicker(description="Date")
        self.sign_button = widgets.Button(description="Sign", icon="check", button_style="primary")
        self.reload_button = widgets.Button(description="Reload", icon="refresh")
        self.status = widgets.HTML()
        self.accept_item = widgets.Dropdown(description="Condition", options=[], value=None)
        self.accept_item.layout.width = "48em"
        self.accept_reason = widgets.Textarea(
            description="Why", placeholder="Why this condition may stand", layout=widgets.Layout(width="40em")
        )
        self.accept_expires = widgets.DatePicker(description="Expires")
        self.accept_button = widgets.Button(description="Accept", icon="check")
        self.accept_status = widgets.HTML()
        self.accept_box = widgets.VBox([])
        self.accept_box.add_class("wbk-accept")
        self.accept_button.on_click(lambda _: self.accept())
        self.sign_button.on_click(lambda _: self.sign())
        self.reload_button.on_click(lambda _: self.reload())
        self.role.observe(lambda _: self.show_role(), names="value")
        self.reload()

    @property
    def widget(self) -> widgets.Widget:
        form = widgets.VBox(
            [
                widgets.HTML("<h3>Your sign-off</h3>"),
                self.decision,
                self.notes,
                self.date,
                widgets.HBox([self.sign_button, self.reload_button]),
                self.status,
            ]
        )
        return widgets.VBox([self.header, self.role, self.about, form, self.accept_box, self.evidence])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # --- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the answers again and measure them: what the reviewer now sees is what they sign."""
        chosen = self.role.value
        try:
            self.ev = wb.open_project(self.project)
        except AnswersError as exc:
            self.ev = None
            self.sign_button.disabled = True
            self.header.value = ""
            self.status.value = _problems("The answers cannot be reviewed", [str(f) for f in exc.findings])
            return
        self.seen = content_sha256(self.ev.answers)
        self.seen_evidence = seen.view(self.ev)
        self.sign_button.disabled = False
        self.header.value = self._header()
        self.role.options = [
            (f"{row['role']} — {row['person']} ({STATE_LABELS[row['decision']]})", i)
            for i, row in enumerate(self.ev.team.matrix)
        ]
        self.role.value = chosen if chosen is not None and chosen < len(self.role.options) else None
        if self.date.value is None or self.date.value > self.ev.as_of:
            self.date.value = default_date(self.ev.as_of)
        self.show_role()

    def _header(self) -> str:
        ev = self.ev
        outcome = decide(ev)
        name = escape(ev.answers.project.name)
        return (
            str(wb.style())
            + f"<div class='wbk'><h2>Review: {name}</h2>"
            + f"<p>Answers judged as of <b>{ev.as_of}</b>; decision today: <b>{outcome.decision}</b> "
            + f"({phrases.plural(len(outcome.blockers), 'blocker')}, "
            + f"{phrases.plural(len(outcome.conditions), 'open condition')}, "
            + f"{phrases.number(len(outcome.accepted))} accepted). "
            + f"Answers hash <code>{self.seen[:12]}</code>.</p></div>"
        )

    def show_role(self) -> None:
        index = self.role.value
        if self.ev is None or index is None:
            self.about.value = "<p>Pick your role to see what you validate and the evidence.</p>"
            self.evidence.value = ""
            self.accept_box.children = []
            return
        row = self.ev.team.matrix[index]
        self.show_accept(index)
        self.about.value = _about(row, self.ev.as_of)
        names = sections_for(row["role"], self.ev.answers.project.domain)
        blocks = [("Decision, blockers and conditions", wb.decision)]
        blocks += [SECTIONS[name] for name in names] + [("Validation team", wb.team)]
        self.evidence.value = "<h3>The evidence for your role</h3>" + "".join(
            f"<details open class='wbk-review-section'><summary><b>{escape(title)}</b></summary>"
            f"{block(self.ev)}</details>"
            for title, block in blocks
        )

    # --- accepting ----------------------------------------------------------------------------

    def show_accept(self, index: int) -> None:
        """The acceptance form, only for a member whose role may accept; else nothing at all."""
        member = self.ev.answers.data_quality.validation_team[index]
        if not member.may_accept:
            self.accept_box.children = []
            return
        open_items = [c for c in decide(self.ev).conditions if c.may_accept]
        self.accept_item.options = [(c.text, c.evidence) for c in open_items]
        self.accept_item.value = None
        if self.accept_expires.value is None:
            self.accept_expires.value = self.ev.as_of + dt.timedelta(days=ACCEPT_FOR_DAYS)
        intro = (
            "<h3>Accept a condition</h3><p>Your role may accept a “resolve or accept” condition instead of "
            "a fix: it leaves the open list while your acceptance holds (until it expires, or the "
            "evidence changes). A blocker is never accepted.</p>"
        )
        if not open_items:
            self.accept_box.children = [widgets.HTML(intro + "<p>No open condition can be accepted.</p>")]
            return
        self.accept_box.children = [
            widgets.HTML(intro),
            self.accept_item,
            self.accept_reason,
            self.accept_expires,
            self.accept_button,
            self.accept_status,
        ]

    def accept(self) -> bool:
        if self.ev is None or self.role.value is None or self.accept_item.value is None:
            self.accept_status.value = _problems("Not accepted", ["pick the condition you accept"])
            return False
        row, item = self.ev.team.matrix[self.role.value], self.accept_item.value
        condition = next(c for c in decide(self.ev).conditions if c.evidence == item)
        check = next((c for c in self.ev.checks if c.id == item), None)
        date, expires = self.date.value, self.accept_expires.value
        written = _written(
            self.accept_status,
            "Not accepted",
            lambda: accept(
                self.project,
                item,
                row["role"],
                self.accept_reason.value,
                date,
                expires,
                acceptances.evidence_digest(item, check, condition.text),
                self.seen,
            ),
        )
        if not written:
            return False
        self.reload()
        self.status.value = (
            f"<p class='wbk-accepted' style='color:#14532d'><b>Accepted:</b> {escape(item)} by "
            f"{escape(row['role'])} on {date}, until {expires}; written to answers.yaml.</p>"
        )
        return True

    # --- signing ------------------------------------------------------------------------------

    def sign(self) -> bool:
        if self.ev is None or self.role.value is None or self.decision.value is None:
            missing = "your role" if self.role.value is None else "a decision"
            self.status.value = _problems("Not signed", [f"pick {missing} first"])
            return False
        if self.date.value is None:
            self.status.value = _problems("Not signed", ["give the date of your sign-off"])
            return False
        row, decision, date = self.ev.team.matrix[self.role.value], self.decision.value, self.date.value
        evidence = self.seen_evidence.sign_off_fields()
        written = _written(
            self.status,
            "Not signed",
            lambda: sign(
                self.project, self.role.value, decision, self.notes.value, date, self.seen, evidence
            ),
        )
        if not written:
            return False
        self.reload()
        self.status.value = (
            f"<p class='wbk-signed' style='color:#14532d'><b>Signed:</b> {escape(row['role'])} "
            f"({escape(row['person'])}), {DECISION_LABELS[decision].lower()} on {date}; "
            f"written to answers.yaml with answers hash {self.seen[:12]}.</p>"
        )
        return True


def _about(row: dict, as_of: dt.date) -> str:
    validates = "".join(f"<li>{escape(v)}</li>" for v in row["validates"])
    state = STATE_LABELS[row["decision"]]
    reason = f" ({escape(row['reason'])})" if row["reason"] else ""
    signed = f", signed {row['date']}" if row["date"] else ""
    return (
        f"<div class='wbk'><h3>{escape(row['role'])}: {escape(row['person'])}</h3>"
        f"<p>You validate:</p><ul>{validates}</ul>"
        f"<p class='wbk-state'>Your sign-off as of {as_of}: <b>{state}</b>{signed}{reason}.</p></div>"
    )


def _written(status: widgets.HTML, refused: str, write: Callable[[], object]) -> bool:
    """Run one write of the answers file; a refusal or a located problem is shown in ``status``."""
    try:
        write()
    except SignOffRefused as exc:
        status.value = _problems(refused, [str(exc)])
        return False
    except AnswersError as exc:
        status.value = _problems(refused, [str(f) for f in exc.findings])
        return False
    return True


def _problems(title: str, lines: list[str]) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f"<div class='wbk-errors' style='color:#b00020'><b>{escape(title)}:</b><ul>{items}</ul></div>"

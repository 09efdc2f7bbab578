"""One case: its header, the 47-node timeline by stage, the selected node's 三明确 card, its
funds, assets, accounts, leads, alerts and history, and the officer's actions on the alert of
the selected node (each a modal form, written by the data layer with its checks)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static, Tree

from command_center.clock import parse_instant
from command_center.data import alerts as alert_actions
from command_center.data import locks as lock_actions
from command_center.data.access import ActionRefused, Actor, may, refusal_of
from command_center.data.alerts import AlertRow
from command_center.data.cases import CaseDetail, NodeLine, case_detail, reassign, teams_and_officers
from command_center.data.catalogue import Catalogue
from command_center.data.duty import duty_officer_id
from command_center.data.explain import NothingToExplain, explain
from command_center.data.explain import lines as explain_lines
from command_center.data.related import Bundle, bundle_of, hand_bundle
from command_center.data.rules import AD_HOC_CODE, shown_code
from command_center.data.supervision import complete_item, create_item, require_complete, require_supervise
from command_center.data.triage import TRIAGE_NODE, TriageRow, apply_suggestion, triage_list
from command_center.data.workcal import TZ, local_date
from command_center.labels import CASE_ACTIONS as ACTION_TEXT
from command_center.labels import (
    RELATED,
    RESPONSE_STATES,
    RESPONSES,
    STAGES_EN,
    TRACKS,
    TRIAGE,
    audit_action,
    audit_actor,
    audit_note,
    case_type_word,
    closing_mode,
)
from command_center.runtime import Runtime
from command_center.screens.case_triage import bundle_text, triage_text
from command_center.screens.forms import ConfirmScreen, Field, FormScreen
from command_center.screens.keys import HELP, KeysFooter, WithHelp, localise
from command_center.screens.labels import (
    LIGHT_STYLE,
    STATE_STYLE,
    label,
    names_visible,
    refusal,
    refuse_unless,
    shown_name,
)
from command_center.screens.work import in_thread

SECTION_ROWS = 20  # per section of the side panel; the rest is counted


class CaseScreen(WithHelp, Screen[None]):
    CSS_PATH = "drill.tcss"
    #: the footer shows them in this order, the keys that matter first (all of them in ? help)
    BINDINGS = [
        HELP,
        Binding("escape", "back", "back"),
        Binding("a", "acknowledge", "ack"),
        Binding("e", "respond", "respond"),
        Binding("k", "lock", "lock"),
        Binding("t", "supervise", "ad_hoc"),
        Binding("v", "review", "review"),
        Binding("u", "escalate", "escalate"),
        Binding("m", "silence", "silence"),
        Binding("g", "reassign", "reassign"),
        # shown on the N06 card and beside the bundle instead: the footer is full at 120 columns
        Binding("y", "apply_triage", "apply_triage", show=False),
        Binding("b", "hand_bundle", "hand_bundle", show=False),
        Binding("x", "complete_item", "done", show=False),
        Binding("r", "reload", "refresh", show=False),
        Binding("l", "app.login", "login"),
    ]

    def __init__(self, runtime: Runtime, case_id: int):
        super().__init__()
        self.runtime = runtime
        self.case_id = case_id
        self.detail: CaseDetail | None = None
        self.selected: NodeLine | None = None
        #: the triage suggestion and the bundle of related cases, read after the detail
        self.triage: TriageRow | None = None
        self.bundle: Bundle | None = None
        self.related_read = False
        self.lang = runtime.lang
        self.a = ACTION_TEXT[self.lang]
        localise(self, self.lang)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("…", id="case-head")
        with Horizontal(id="case-body"):
            tree: Tree[NodeLine | None] = Tree("timeline", id="timeline")
            tree.show_root = False
            yield tree
            with VerticalScroll(id="case-side"):
                yield Static("", id="card")
                yield Static("", id="sections")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#timeline", Tree).focus()
        self.load()

    def action_reload(self) -> None:
        self.load()

    def load(self) -> None:
        rt = self.runtime

        def read() -> CaseDetail:
            return case_detail(rt.database(), rt.rules(), self.case_id)

        in_thread(self, read, self.show, group="case")

        def related() -> tuple[TriageRow | None, Bundle | None]:
            db, now = rt.database(), rt.clock.now()
            found = triage_list(db, rt.settings.triage, now, local_date(now), case_id=self.case_id)
            return (found[0] if found else None), bundle_of(db, self.case_id)

        in_thread(self, related, self.show_related, group="case-related")

    def show_related(self, found: tuple[TriageRow | None, Bundle | None]) -> None:
        self.triage, self.bundle = found
        self.related_read = True
        if self.selected is not None:
            self.select(self.selected)
        if self.detail is not None:
            self.query_one("#sections", Static).update(self.sections_text(self.detail))

    # -- drawing -----------------------------------------------------------------------------
    def show(self, detail: CaseDetail) -> None:
        keep = (self.selected.code, self.selected.subject_id) if self.selected else None
        self.detail = detail
        self.query_one("#case-head", Static).update(self.head_text(detail))
        tree = self.query_one("#timeline", Tree)
        tree.clear()
        stages: dict[str, object] = {}
        target = None
        for line in detail.nodes:
            stage = stages.get(line.stage)
            if stage is None:
                title = STAGES_EN.get(line.stage, line.stage) if self.lang == "en" else line.stage
                stage = stages[line.stage] = tree.root.add(title or "—", expand=True)
            leaf = stage.add_leaf(self.node_text(line), data=line)
            if keep and (line.code, line.subject_id) == keep:
                target = leaf
        if target is None:  # first the worst (earliest due) overdue node, else the first running one
            overdue = [leaf for leaf in _leaves(tree) if leaf.data.state == "overdue"]
            running = (leaf for leaf in _leaves(tree) if leaf.data.state in ("due_soon", "active"))
            target = min(overdue, key=lambda leaf: leaf.data.due_at) if overdue else next(running, None)
        if target is not None:
            tree.call_after_refresh(tree.move_cursor, target)  # a node has its line only once the tree is laid out
            self.select(target.data)
        self.query_one("#sections", Static).update(self.sections_text(detail))

    def head_text(self, d: CaseDetail) -> Text:
        visible = names_visible(self.app)
        t = Text()
        t.append(d.case_no, style="bold")
        t.append(f"  {case_type_word(self.lang, d.case_type)}")
        lock = d.lock
        if lock is not None:
            t.append(f"  🔒 {label(self.lang, 'locked')}", style="bold white on red")
            if lock.request_status == "pending":
                t.append(f" · {label(self.lang, 'lock_pending')}", style="bold yellow")
        if d.closed_on:
            mode = closing_mode(self.lang, d.closing_mode) if d.closing_mode else ""
            t.append(f"  {label(self.lang, 'closed')} {d.closed_on} {mode}", style="green")
        applicants = "、".join(shown_name(p.name, visible) for p in d.parties if p.role == "applicant")
        debtors = "、".join(shown_name(p.name, visible) for p in d.parties if p.role == "debtor")
        t.append(f"\n{label(self.lang, 'applicant')}: {applicants}   {label(self.lang, 'debtor')}: {debtors}")
        officer = shown_name(d.officer, visible) or "—"  # staff too, as on the wall and the duty line
        t.append(
            f"\n{label(self.lang, 'amount')}: {d.amount:,.2f}  {label(self.lang, 'recovered')}: {d.recovered:,.2f}   "
            f"{label(self.lang, 'team')}: {d.team or '—'}   {label(self.lang, 'officer')}: {officer}   "
            f"{label(self.lang, 'filed')}: {d.filed_on}   {label(self.lang, 'term')}: {d.term_due or '—'}"
        )
        return t

    @property
    def catalogue(self) -> Catalogue:
        """The case's court's catalogue (the court's own file where it has one): its cards."""
        return self.runtime.catalogue.for_court(self.detail.court_code if self.detail else None)

    def node_text(self, line: NodeLine) -> Text:
        cat = self.catalogue
        item = self.detail.item(line.subject_id) if self.detail and line.code == AD_HOC_CODE else None
        name = cat[line.code].label(self.lang) if line.code in cat else item.description[:24] if item else line.code
        t = Text(f"{shown_code(line.code, self.lang)} {name}")
        if line.subject_id:
            t.append(f" [{line.subject_id}]", style="dim")
        state = line.tier if line.state == "overdue" and line.tier else line.state
        t.append("  ")
        t.append(label(self.lang, state), style=LIGHT_STYLE.get(state, STATE_STYLE.get(line.state, "")))
        if line.due_date and line.state not in ("done", "not_started"):
            t.append(f"  {line.due_date}")
            if line.provisional:
                t.append(label(self.lang, "provisional"), style="italic yellow")
        return t

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data is not None:
            self.select(event.node.data)

    def select(self, line: NodeLine) -> None:
        self.selected = line
        self.query_one("#card", Static).update(self.card_text(line))
        detail, rt = self.detail, self.runtime
        if detail is None or line.code not in self.catalogue:
            return

        def explained(found) -> None:
            if self.selected is line:  # why it is due then, worked out by the same arithmetic
                card = self.card_text(line)
                if not card.plain.endswith("\n"):
                    card.append("\n")
                card.append("\n".join(explain_lines(found, self.lang)) + "\n", style="dim")
                self.query_one("#card", Static).update(card)

        in_thread(
            self,
            lambda: explain(rt.database(), rt.rules(), detail.case_no, line.code, line.subject_id),
            explained,
            group="case-explain",
            errors=NothingToExplain,
            failed=lambda message: None,
        )

    def card_text(self, line: NodeLine) -> Text:
        cat, lang = self.catalogue, self.lang
        t = Text()
        if line.code in cat:
            d = cat[line.code]
            t.append(f"{label(lang, 'card')} · {d.code} {d.label(lang)} ({d.stage_label(lang)})\n", style="bold")
            t.append(f"{label(lang, 'limit')}: ", style="bold")
            t.append(f"{d.time_limit(lang)}\n")
            t.append(f"{label(lang, 'action')}: ", style="bold")
            t.append(f"{d.action_label(lang)}\n")
            t.append(f"{label(lang, 'materials')}: ", style="bold")
            t.append(d.materials_label(lang) + "\n")
        t.append(
            f"{label(lang, 'started')}: {_when(line.started_at)}   {label(lang, 'due')}: {line.due_date or '—'}"
            f"{label(lang, 'provisional') if line.provisional else ''}   "
            f"{label(lang, 'completed')}: {_when(line.completed_at)}\n"
        )
        item = self.detail.item(line.subject_id) if self.detail and line.code == AD_HOC_CODE else None
        if item is not None:
            # free text may name anyone, and the assignee is staff: in full only after a login
            visible = names_visible(self.app)
            hidden = label(lang, "after_login")
            t.append(f"{self.a['supervise']} #{item.id}: ", style="bold")
            t.append(
                f"{item.description if visible else hidden}\n{self.a['assignee']}: "
                f"{shown_name(item.assignee, visible) or '—'}   {self.a['created']}: {item.created_by} "
                f"{_when(item.created_at)}\n"
            )
            if item.completed_at:
                note = (item.completion_note or "") if visible else hidden if item.completion_note else ""
                t.append(f"{label(lang, 'completed')}: {_when(item.completed_at)} {note}\n", style="green")
        if line.code == TRIAGE_NODE and self.related_read:
            t.append_text(
                triage_text(
                    lang,
                    self.triage,
                    may_apply=may(getattr(self.app, "actor", None), "apply_triage"),
                    closed=self.detail is not None and self.detail.closed_on is not None,
                )
            )
        alert = self.alert_of(line)
        if alert is None:
            t.append(label(lang, "no_alert"), style="dim")
        else:
            t.append_text(self.alert_text(alert))
        return t

    def alert_text(self, a: AlertRow) -> Text:
        lang = self.lang
        today = local_date(self.runtime.clock.now())
        t = Text(f"{label(lang, 'alerts')}: ", style="bold")
        tier = a.tier or a.rule
        t.append(label(lang, tier), style=LIGHT_STYLE.get(tier, ""))
        t.append(f"  {label(lang, 'status')}: {label(lang, a.status)}")
        if a.status == "silenced" and a.silenced_until:
            t.append(f" → {a.silenced_until.astimezone(TZ):%Y-%m-%d} ({a.silence_reason})")
        if a.response_kind:
            state = a.response_state(today)
            t.append(
                f"\n{label(lang, 'response')}: {RESPONSES[lang][a.response_kind]} · "
                f"{RESPONSE_STATES[lang].get(state, state or '')} (≤ {a.response_due_date})",
                style="bold red" if state == "late" else "",
            )
        return t

    def sections_text(self, d: CaseDetail) -> Text:
        lang = self.lang
        t = Text()

        def section(key: str, rows: list, render: Callable) -> None:
            t.append(f"\n{label(lang, key)} ({len(rows)})\n", style="bold underline")
            for row in rows[:SECTION_ROWS]:
                t.append("  " + render(row) + "\n")
            if len(rows) > SECTION_ROWS:
                t.append(f"  … +{len(rows) - SECTION_ROWS}\n", style="dim")

        today = local_date(self.runtime.clock.now())

        def alert_line(a: AlertRow) -> str:
            state = a.response_state(today)
            response = f" · {RESPONSES[lang][a.response_kind]} {RESPONSE_STATES[lang][state]}" if state else ""
            subject = f"[{a.subject_id}]" if a.subject_id else ""
            state = f"{label(lang, a.tier or a.rule)} {label(lang, a.status)}"
            return f"{shown_code(a.node_code, lang)}{subject} {state}{response}"

        if self.related_read:
            hand = may(getattr(self.app, "actor", None), "reassign_bundle")
            t.append_text(bundle_text(lang, self.bundle, d.id, names_visible(self.app), may_hand=hand))
        section("alerts", d.alerts, alert_line)
        section("funds", d.funds, lambda f: f"{f[0]}  {f[1]:,.2f}  {_when(f[2])} → {_then(f[2], f[4])}")
        section(
            "assets",
            d.assets,
            lambda a: f"{a[0]}  {a[1]}  {a[2]}" + (f" → {a[5]}" if a[5] else "") + f"  {a[3] or ''}  {a[4] or ''}",
        )
        section(
            "accounts",
            d.accounts,
            lambda a: (
                f"{a[0]}  {a[1] or ''}  {a[2]} → {a[4] or a[3]}"
                + (f" ({label(lang, 'released')} {a[5]})" if a[5] else "")
                + (f"  {a[6]:,.2f}" if a[6] is not None else "")
            ),
        )
        section("leads", d.leads, lambda x: f"{x[0]}  {_when(x[1])}  {x[3] or ''}")
        visible = names_visible(self.app)  # the history's notes are free text: after a login

        def history_line(h) -> str:
            note = audit_note(h.detail, lang, raw=False)
            shown = note if visible or not note else label(lang, "after_login")
            when = f"{h.at.astimezone(TZ):%Y-%m-%d %H:%M}"
            return f"{when}  {audit_actor(lang, h.actor)}  {audit_action(lang, h.action)}  {shown}"

        section("history", d.history, history_line)
        return t

    def alert_of(self, line: NodeLine) -> AlertRow | None:
        if self.detail is None:
            return None
        found = [a for a in self.detail.alerts if a.node_code == line.code and a.subject_id == line.subject_id]
        return next((a for a in found if a.status != "resolved"), found[0] if found else None)

    # -- actions -----------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss()

    def _who(self, action: str | None = None):
        """The logged-in user, if they may do ``action``; else None, after asking them to log
        in or saying why not (before any form is filled in that could not be submitted)."""
        who = getattr(self.app, "actor", None)
        if who is None:
            self.notify(label(self.lang, "login_first"), severity="warning")
            self.app.action_login()
            return None
        refused = refuse_unless(self.lang, who, action) if action else None
        if refused:
            self.notify(refused, severity="error", timeout=8)
            return None
        return who

    def _acting_on_alert(self, action: str):
        """(operator, the selected node's alert), or None after saying which one is missing."""
        who = self._who(action)
        if who is None:
            return None
        alert = self.alert_of(self.selected) if self.selected else None
        if alert is None:
            self.notify(label(self.lang, "no_alert"), severity="warning")
            return None
        return who, alert

    def _on_alert(self, action: str, go: Callable[[Actor, object], None]) -> None:
        """``go(user, alert)`` once the data layer would let the user act on the selected alert."""
        if (target := self._acting_on_alert(action)) is None:
            return
        who, alert = target
        catalogue = self.runtime.catalogue
        self._checked(
            who,
            lambda conn: alert_actions.require_on_alert(conn, who, action, alert.id, catalogue),
            lambda: go(who, alert),
        )

    def _checked(self, who: Actor, check: Callable[..., None], go: Callable[[], None]) -> None:
        """``go()`` unless the action's own ``check`` refuses the user: an officer acts on their
        team's cases and what is theirs, said before any form is filled in for nothing."""
        if who.role != "officer":
            go()
            return
        db = self.runtime.database()

        def checked(refused: BaseException | None) -> None:
            if refused is None:
                go()
            else:
                self.notify(refusal(self.lang, refused), severity="error", timeout=8)

        in_thread(self, lambda: refusal_of(db, check), checked, group="case-check")

    def run_action(self, what: str, write: Callable[[], object]) -> None:
        """Write in a thread; a refusal of the data layer (role, stale version, state) is shown as is."""

        def done(result: object) -> None:
            self.notify(self.a["done"][what].format(n=result if isinstance(result, int) else ""))
            self.load()

        def refused(message: str) -> None:
            self.notify(message, severity="error", timeout=8)
            self.load()

        in_thread(
            self,
            write,
            done,
            group="case-action",
            failed=refused,
            errors=ActionRefused,
            exclusive=False,
            describe=lambda exc: refusal(self.lang, exc),
        )

    def _form(self, title: str, fields: list[Field], then: Callable[[dict], None], *, note: str = "") -> None:
        def done(values: dict | None) -> None:
            if values is not None:
                then(values)

        self.app.push_screen(FormScreen(title, fields, lang=self.lang, note=note), done)

    def _now(self) -> datetime:
        return self.runtime.clock.now()

    def _date(self, text: str) -> date:
        """A form's YYYY-MM-DD field (checked in the form by :meth:`_date_problem`) as a date."""
        return parse_instant(text).date()

    def _date_problem(self, text: str) -> str | None:
        """What is wrong with a form's date, said in the form, which keeps what was typed: its
        shape, or a day the calendar does not have (2026-02-30)."""
        if _is_date(text):
            return None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            return self.a["no_such_date"].format(text=text.strip())
        return self.a["bad_date"]

    def action_acknowledge(self) -> None:
        self._on_alert("acknowledge", self._acknowledge)

    def _acknowledge(self, who: Actor, alert) -> None:
        db = self.runtime.database()

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_action(
                    "ack",
                    lambda: alert_actions.acknowledge(
                        db, alert.id, alert.version, who, self._now(), catalogue=self.runtime.catalogue
                    ),
                )

        self.app.push_screen(ConfirmScreen(self.a["ack"], lang=self.lang), answered)

    def action_respond(self) -> None:
        self._on_alert("respond", self._respond)

    def _respond(self, who: Actor, alert) -> None:
        if not alert.response_kind or alert.response_status not in ("missing", "rejected"):
            self.notify(self.a["no_response"], severity="warning")
            return
        a, kind = self.a, alert.response_kind
        if kind == "report":
            fields = [
                Field("date", a["report_date"], f"{local_date(self._now())}", check=self._date_problem),
                Field("reporter", a["reporter"], who.login),
                Field("to", a["report_to"]),
                Field("note", a["report_note"]),
            ]
        elif kind == "interview":
            fields = [
                Field("date", a["interview_date"], f"{local_date(self._now())}", check=self._date_problem),
                Field("who", a["interviewee"]),
                Field("scope", a["review_scope"]),
                Field("note", a["note"]),
            ]
        else:
            fields = [Field("note", a["note"])]
        db = self.runtime.database()

        def submit(values: dict) -> None:
            text = (
                values["note"]
                if kind == "explanation"
                else "; ".join(f"{f.label.split(' (')[0]}: {values[f.key]}" for f in fields)
            )  # without the format hint
            self.run_action(
                "response",
                lambda: alert_actions.submit_response(
                    db, alert.id, alert.version, who, self._now(), text, catalogue=self.runtime.catalogue
                ),
            )

        self._form(a[kind], fields, submit)

    def action_review(self) -> None:
        if (target := self._acting_on_alert("review")) is None:
            return
        who, alert = target
        if alert.response_status != "submitted":
            self.notify(self.a["no_review"], severity="warning")
            return
        a, db = self.a, self.runtime.database()
        fields = [
            Field("decision", a["decision"], True, choices=((a["accept"], True), (a["reject"], False))),
            Field("note", a["review_note"], required=False),
        ]
        self._form(
            a["review"],
            fields,
            lambda v: self.run_action(
                "review",
                lambda: alert_actions.review_response(
                    db, alert.id, alert.version, who, self._now(), accept=bool(v["decision"]), note=v["note"] or ""
                ),
            ),
        )

    def action_silence(self) -> None:
        if (target := self._acting_on_alert("silence")) is None:
            return
        who, alert = target
        a, db = self.a, self.runtime.database()

        def submit(values: dict) -> None:
            day = self._date(values["until"])
            until = datetime.combine(day, time(23, 59, 59), tzinfo=TZ)
            self.run_action(
                "silence",
                lambda: alert_actions.silence(db, alert.id, alert.version, who, self._now(), until, values["reason"]),
            )

        self._form(
            a["silence"], [Field("until", a["until"], check=self._date_problem), Field("reason", a["reason"])], submit
        )

    def action_escalate(self) -> None:
        self._on_alert("escalate", self._escalate)

    def _escalate(self, who: Actor, alert) -> None:
        db = self.runtime.database()
        self._form(
            self.a["escalate"],
            [Field("note", self.a["escalate_note"])],
            lambda v: self.run_action(
                "escalate",
                lambda: alert_actions.escalate(
                    db, alert.id, alert.version, who, self._now(), v["note"], catalogue=self.runtime.catalogue
                ),
            ),
        )

    def action_reassign(self) -> None:
        if self._who("reassign") is None:
            return
        in_thread(self, lambda: teams_and_officers(self.runtime.database()), self._reassign, group="case-reassign")

    def _reassign(self, choices) -> None:
        teams, officers = choices
        who, d = self._who("reassign"), self.detail
        if who is None or d is None:
            return
        a, db = self.a, self.runtime.database()
        fields = [
            Field("officer", label(self.lang, "officer"), d.officer_id or "", choices=_officer_choices(officers)),
            Field("team", label(self.lang, "team"), d.team_id or "", choices=tuple((name, tid) for tid, name in teams)),
            Field("reason", a["reason"]),
        ]
        expected = (d.officer_id, d.team_id)
        self._form(
            a["reassign"],
            fields,
            lambda v: self.run_action(
                "reassign",
                lambda: reassign(
                    db,
                    d.id,
                    who,
                    self._now(),
                    expected=expected,
                    officer_id=v["officer"],
                    team_id=v["team"],
                    reason=v["reason"],
                ),
            ),
        )

    def action_apply_triage(self) -> None:
        """A chief applies the triage suggestion (confirmed first): an audited reassignment."""
        who, d, row = self._who("apply_triage"), self.detail, self.triage
        if who is None or d is None:
            return
        t = TRIAGE[self.lang]
        if row is None:
            self.notify(t["not_due"], severity="warning")
            return
        track = TRACKS[self.lang][row.track]
        if row.agrees:  # on a team of that track already: nothing moves
            self.notify(t["already"].format(track=track), severity="warning")
            return
        in_thread(
            self,
            lambda: teams_and_officers(self.runtime.database()),
            lambda found: self._confirm_triage(row, found),
            group="case-triage-apply",
        )

    def _confirm_triage(self, row: TriageRow, found) -> None:
        """The question says what becomes of the case's officer (kept only if in that team)."""
        who, d = self._who("apply_triage"), self.detail
        if who is None or d is None:
            return
        t = TRIAGE[self.lang]
        track = TRACKS[self.lang][row.track]
        team = row.suggested_team or t["no_team"].format(track=track)
        expected, db, rules = (d.officer_id, d.team_id), self.runtime.database(), self.runtime.settings.triage

        def answered(yes: bool | None) -> None:
            if yes:
                now = self._now()
                self.run_action(
                    "apply_triage",
                    lambda: apply_suggestion(db, rules, d.id, who, now, local_date(now), expected=expected),
                )

        question = t["confirm"].format(case_no=d.case_no, track=track, team=team)
        teams, officers = found
        team_id = next((tid for tid, name in teams if name == row.suggested_team), None)
        officer_team = next((o[3] for o in officers if o[0] == d.officer_id), None)
        if d.officer_id is not None and row.suggested_team:
            key = "officer_stays" if officer_team == team_id else "officer_cleared"
            question += "\n" + t[key].format(officer=d.officer or d.officer_login or "—")
        self.app.push_screen(ConfirmScreen(question, lang=self.lang), answered)

    def action_hand_bundle(self) -> None:
        if self._who("reassign_bundle") is None:
            return
        if self.bundle is None:
            self.notify(RELATED[self.lang]["alone"], severity="warning")
            return
        in_thread(self, lambda: teams_and_officers(self.runtime.database())[0], self._hand_bundle, group="case-hand")

    def _hand_bundle(self, teams) -> None:
        who, bundle = self._who("reassign_bundle"), self.bundle
        if who is None or bundle is None:
            return
        r, db = RELATED[self.lang], self.runtime.database()
        fields = [
            Field("team", r["hand_to"], "", choices=tuple((name, tid) for tid, name in teams)),
            Field("reason", r["reason"]),
        ]
        self._form(
            f"{r['hand']} ({len(bundle.cases)})",
            fields,
            lambda v: self.run_action(
                "hand_bundle", lambda: hand_bundle(db, bundle, v["team"], who, self._now(), reason=v["reason"])
            ),
            note=r["hand_note"],
        )

    def action_lock(self) -> None:
        who, d = self._who(), self.detail
        if who is None or d is None:
            return
        lock = d.lock
        if lock is None:
            self.notify(self.a["not_locked"], severity="warning")
            return
        a, db = self.a, self.runtime.database()
        by_parent = self.runtime.settings.unlock_by_parent  # 提级解锁: a higher court decides
        if who.role in ("chief", "admin") and lock.request_status == "pending":
            fields = [
                Field("decision", a["decision"], True, choices=((a["unlock"], True), (a["reject_unlock"], False))),
                Field("reason", a["reason"]),
            ]
            note = f"{lock.requested_by}: {lock.request_reason}"

            def decide(v: dict) -> None:
                if v["decision"]:
                    self.run_action(
                        "unlock",
                        lambda: lock_actions.unlock(
                            db, lock.id, lock.version, who, self._now(), v["reason"], by_parent=by_parent
                        ),
                    )
                else:
                    self.run_action(
                        "reject_unlock",
                        lambda: lock_actions.reject_unlock(
                            db, lock.id, lock.version, who, self._now(), v["reason"], by_parent=by_parent
                        ),
                    )

            self.app.push_screen(
                FormScreen(a["unlock_or_reject"], fields, lang=self.lang, note=note), lambda v: v and decide(v)
            )
        elif who.role in ("chief", "admin"):
            self._form(
                a["unlock"],
                [Field("reason", a["reason"])],
                lambda v: self.run_action(
                    "unlock",
                    lambda: lock_actions.unlock(
                        db, lock.id, lock.version, who, self._now(), v["reason"], by_parent=by_parent
                    ),
                ),
            )
        else:
            # the data layer refuses an officer's unlock; an officer asks for it instead
            self._checked(
                who,
                lambda conn: lock_actions.require_request(conn, who, lock.id),
                lambda: self._form(
                    a["request_unlock"],
                    [Field("reason", a["reason"])],
                    lambda v: self.run_action(
                        "request_unlock",
                        lambda: lock_actions.request_unlock(db, lock.id, lock.version, who, self._now(), v["reason"]),
                    ),
                ),
            )

    def action_supervise(self) -> None:
        who, d = self._who("supervise"), self.detail
        if who is None or d is None:
            return
        now = self._now()
        self._checked(who, lambda conn: require_supervise(conn, who, d.id, now), self._supervise_form)

    def _supervise_form(self) -> None:

        def read():
            db = self.runtime.database()
            with db.engine.connect() as conn:
                on_duty = duty_officer_id(conn, local_date(self._now()))
            return teams_and_officers(db)[1], on_duty

        in_thread(self, read, self._supervise, group="case-supervise")

    def _supervise(self, read) -> None:
        officers, on_duty = read  # a new 临时督办 goes to the officer on duty by default (值班)
        who, d = self._who("supervise"), self.detail
        if who is None or d is None:
            return
        a, db = self.a, self.runtime.database()
        fields = [
            Field("description", a["description"]),
            Field(
                "assignee",
                label(self.lang, "officer"),
                on_duty or d.officer_id or "",
                choices=_officer_choices(officers),
            ),
            Field("due", a["due_date"], f"{local_date(self._now())}", check=self._date_problem),
        ]

        def submit(v: dict) -> None:
            due = self._date(v["due"])
            self.run_action(
                "supervise",
                lambda: create_item(
                    db, d.id, who, self._now(), description=v["description"], assignee_id=v["assignee"], due=due
                ),
            )

        self._form(a["supervise"], fields, submit)

    def action_complete_item(self) -> None:
        who, d, line = self._who("complete_item"), self.detail, self.selected
        if who is None or d is None:
            return
        item = d.item(line.subject_id) if line is not None and line.code == AD_HOC_CODE else None
        if item is None:
            self.notify(self.a["not_item"], severity="warning")
            return
        db = self.runtime.database()
        self._checked(
            who,
            lambda conn: require_complete(conn, who, item.id),
            lambda: self._form(
                self.a["complete"],
                [Field("note", self.a["note"])],
                lambda v: self.run_action("complete", lambda: complete_item(db, item.id, who, self._now(), v["note"])),
            ),
        )


def _officer_choices(officers) -> tuple[tuple[str, int], ...]:
    """The officer select's choices: 'name (login)' → id."""
    return tuple((f"{name} ({login})", oid) for oid, login, name, _ in officers)


def _leaves(tree: Tree):
    for stage in tree.root.children:
        yield from stage.children


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(TZ):%Y-%m-%d %H:%M}" if moment else "—"


def _then(start: datetime | None, moment: datetime | None) -> str:
    """A later moment without what it shares with ``start`` (``12-21 20:22`` in the same year,
    ``20:22`` on the same day), so a fund's line fits the panel at 120 columns."""
    if moment is None or start is None:
        return _when(moment)
    start, moment = start.astimezone(TZ), moment.astimezone(TZ)
    if moment.date() == start.date():
        return f"{moment:%H:%M}"
    return f"{moment:%m-%d %H:%M}" if moment.year == start.year else _when(moment)


def _is_date(text: str | None) -> bool:
    try:
        parse_instant(text or "")
    except ValueError:
        return False
    return len((text or "").strip()) == 10

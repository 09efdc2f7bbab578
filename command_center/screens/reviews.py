"""评查: the scheduler's review lists, each item marked 合格 / 不合格 by a chief (``v`` on the overview).

One table per list (the week's fund sample, the seized items' inventory, the month's closed
cases) with its progress in its title.  ``y`` marks the selected item 合格; ``n`` asks for a
note, who rectifies and by when, and marks it 不合格, which opens the rectification item (a
临时督办 item the recompute alerts on); Enter opens the item's case.  The data layer checks the
role; the screen refuses before a form a user who may not mark.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from command_center.clock import parse_instant
from command_center.data.access import ActionRefused
from command_center.data.cases import case_id_by_no, teams_and_officers
from command_center.data.reviews import KEYS, KINDS, ReviewList, latest_lists, mark
from command_center.labels import REVIEWS as LABELS
from command_center.labels import asset_kind, closing_mode, review_progress
from command_center.runtime import Runtime
from command_center.screens.forms import Field, FormScreen
from command_center.screens.keys import HELP, KeysFooter, WithHelp, localise
from command_center.screens.labels import refusal, refuse_unless
from command_center.screens.work import in_thread

STYLE = {"pass": "bold green", "fail": "bold red"}


class ReviewsScreen(WithHelp, Screen[None]):
    DEFAULT_CSS = """
    ReviewsScreen VerticalScroll { padding: 0 1; }
    ReviewsScreen .review-title { margin-top: 1; text-style: bold; }
    ReviewsScreen DataTable { height: auto; max-height: 16; }
    """
    BINDINGS = [
        HELP,
        Binding("escape", "back", "back"),
        Binding("y", "mark(True)", "mark_pass"),
        Binding("n", "mark(False)", "mark_fail"),
        Binding("enter", "open_case", "open", show=False),
        Binding("r", "reload", "refresh"),
        Binding("l", "app.login", "login"),
    ]

    def __init__(self, runtime: Runtime):
        super().__init__()
        self.runtime = runtime
        self.lang = runtime.lang
        self.t = LABELS[self.lang]
        localise(self, self.lang)
        self.lists: dict[str, ReviewList] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(self.t["title"], classes="review-title", id="reviews-title")
            for kind in KINDS:
                yield Static("", classes="review-title", id=f"title-{kind}")
                yield DataTable(id=f"list-{kind}", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        for kind in KINDS:
            self.query_one(f"#list-{kind}", DataTable).add_columns(*self.t["columns"].split("|"))
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def load(self) -> None:
        in_thread(self, lambda: latest_lists(self.runtime.database()), self.show, group="reviews")

    def show(self, lists: list[ReviewList]) -> None:
        self.lists = {found.kind: found for found in lists}
        self.query_one("#reviews-title", Static).update(self.t["title"] if lists else self.t["none"])
        for kind in KINDS:
            table = self.query_one(f"#list-{kind}", DataTable)
            found = self.lists.get(kind)
            title = self.query_one(f"#title-{kind}", Static)
            title.update(review_progress(self.lang, found) if found else self.t[kind])
            table.display = found is not None
            if found is None:
                continue
            cursor = table.cursor_row
            table.clear()
            for item in found.items:
                result = Text(self.t[item.result], style=STYLE[item.result]) if item.result else self.t["unmarked"]
                note = item.note or ""
                if item.rectification:
                    state = (
                        self.t["rectified"] if item.rectified else self.t["rectifying"].format(id=item.rectification)
                    )
                    note = f"{note} · {state}" if note else state
                what = " ".join(
                    asset_kind(self.lang, v)
                    if k == "kind"
                    else closing_mode(self.lang, v)
                    if k == "closing_mode"
                    else str(v)
                    for k, v in item.detail.items()
                    if k not in ("case_no", KEYS[kind]) and v
                )
                table.add_row(item.key, item.case_no, what, result, note, item.marked_by or "", key=item.key)
            if found.items:
                table.move_cursor(row=min(cursor, len(found.items) - 1))

    def _selected(self):
        """(list, item key, case_no) of the row under the cursor of the focused table."""
        table = self.focused if isinstance(self.focused, DataTable) else None
        if table is None or not table.row_count:
            return None
        found = self.lists.get(table.id.removeprefix("list-"))
        if found is None:
            return None
        item = found.items[table.cursor_row]
        return found, item

    def action_open_case(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        case_no = selected[1].case_no
        in_thread(
            self,
            lambda: case_id_by_no(self.runtime.database(), case_no),
            lambda case_id: case_id and self.app.open_case(case_id),
            group="reviews-open",
        )

    def action_mark(self, passed: bool) -> None:
        who = getattr(self.app, "actor", None)
        if who is None:
            self.app.action_login()
            return
        refused = refuse_unless(self.lang, who, "review_mark")
        if refused:
            self.notify(refused, severity="error", timeout=8)
            return
        selected = self._selected()
        if selected is None:
            self.notify(self.t["pick"], severity="warning")
            return
        found, item = selected
        db, now = self.runtime.database(), self.runtime.clock.now()

        def write(values: dict | None) -> None:
            if values is None:
                return
            due = parse_instant(values["due"]).date() if values.get("due") else None
            in_thread(
                self,
                lambda: mark(
                    db,
                    found.id,
                    item.key,
                    who,
                    now,
                    passed=passed,
                    note=values.get("note") or "",
                    assignee_id=values.get("assignee"),
                    due=due,
                ),
                lambda _: (self.notify(self.t["pass_done" if passed else "fail_done"]), self.load()),
                group="reviews-mark",
                errors=ActionRefused,
                exclusive=False,
                describe=lambda exc: refusal(self.lang, exc),
            )

        if passed:
            write({"note": ""})
            return

        def form(choices) -> None:
            _, officers = choices
            fields = [
                Field("note", self.t["note"]),
                Field(
                    "assignee", self.t["assignee"], "", choices=tuple((f"{n} ({lg})", i) for i, lg, n, _ in officers)
                ),
                Field("due", self.t["due"], check=_date_problem(self.t["due"])),
            ]
            self.app.push_screen(FormScreen(self.t["fail_form"], fields, lang=self.lang, note=item.key), write)

        in_thread(self, lambda: teams_and_officers(db), form, group="reviews-form")


def _date_problem(label: str):
    def check(text: str) -> str | None:
        try:
            day = parse_instant(text).date()
        except ValueError:
            return f"{label}"
        return None if isinstance(day, date) else label

    return check

"""The on-duty overview: the wall's figures, each box leading to its case list.

A digit opens a box's list at once (1 red, 2 yellow, 3 blue …), or the arrows move between
the boxes and Enter opens the one in focus; from a list, Enter opens a case on its worst node's
三明确 card.  So any listed case's card is two or three keystrokes from here.
"""

from __future__ import annotations

from datetime import timedelta

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Sparkline, Static

from command_center.data.brief import trend
from command_center.data.cases import CaseFilter, CasePage, list_cases
from command_center.data.courts import list_courts, snapshot_scope
from command_center.data.duty import Duty, on_duty
from command_center.data.indicators import Indicators, indicators
from command_center.labels import APP_TITLES
from command_center.labels import OVERVIEW as LABELS
from command_center.runtime import Runtime
from command_center.screens.keys import HELP, KeysFooter, WithHelp, localise
from command_center.screens.labels import courts_of, duty_line, names_visible, scope_title
from command_center.screens.work import in_thread

#: the pulses under the boxes: figures of the daily snapshots over the last PULSE_DAYS days
PULSES = ("new_cases_today", "overdue_nodes", "red")
PULSE_DAYS = 30

#: (key, style class, case-list scope) of each box, in screen order; its digit is its place.
BOXES = (
    ("red", "red", "red"),
    ("yellow", "yellow", "yellow"),
    ("blue", "blue", "blue"),
    ("overdue_nodes", "warning", "overdue"),
    ("due_soon_nodes", "warning", "due_soon"),
    ("open_cases", "", "open"),
    ("open_nodes", "", "open"),
    ("new_cases_today", "", "new"),
    ("undisbursed", "", "funds"),
    ("turning", "red", "turning"),  # 即将转红, key 0
)


class FigureBox(Static, can_focus=True):
    """A figure that opens its case list (Enter, a click, or its digit on the overview)."""

    BINDINGS = [Binding("enter", "open", "open", show=False)]

    def __init__(self, text: str, *, scope: str, classes: str, id: str):
        super().__init__(text, classes=classes, id=id)
        self.scope = scope

    def action_open(self) -> None:
        self.screen.open_list(self.scope)

    def on_click(self) -> None:
        self.action_open()


def figures(data: Indicators, lang: str) -> dict[str, str]:
    """The text of each box."""
    t = LABELS[lang]

    def cases(n: int) -> str:
        return f"{n:,} {t['unit_case' if n == 1 else 'unit_cases']}"

    def nodes(n: int) -> str:
        return f"{n:,} {t['unit_node' if n == 1 else 'unit_nodes']}"

    return {
        "new_cases_today": cases(data.new_cases_today),
        "undisbursed": f"{data.undisbursed_amount:,.2f} {t['unit_yuan']} ({data.undisbursed_count:,})",
        "open_cases": f"{data.open_cases:,} / {data.cases:,}",
        "open_nodes": nodes(data.open_nodes),
        "due_soon_nodes": nodes(data.due_soon_nodes),
        "overdue_nodes": nodes(data.overdue_nodes),
        "red": cases(data.lights.red),
        "yellow": cases(data.lights.yellow),
        "blue": cases(data.lights.blue),
    }


class OverviewScreen(WithHelp, Screen[None]):
    CSS_PATH = "overview.tcss"
    BINDINGS = [
        HELP,
        Binding("m", "app.open_queue", "my_queue"),
        Binding("v", "reviews", "reviews"),
        Binding("c", "pick_court", "court"),
        Binding("r", "refresh", "refresh"),
        Binding("l", "app.login", "login"),
        *[  # one line in the help for all of them
            Binding(
                str(place % 10), f"open_box({place})", "" if place > 1 else "open_box", show=False, key_display="0…9"
            )
            for place in range(1, len(BOXES) + 1)
        ],
        Binding("left,up", "app.focus_previous", "", show=False),
        Binding("right,down", "app.focus_next", "", show=False),
    ]

    def __init__(self, runtime: Runtime):
        super().__init__()
        self.runtime = runtime
        self.t = LABELS[runtime.lang]
        self.lang = runtime.lang
        #: whether the database holds several courts (the picker is offered then)
        self.several_courts = False
        localise(self, self.lang)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.t["loading"], id="status")
        yield Static("", id="duty")
        with Grid(id="figures"):
            for place, (key, style, scope) in enumerate(BOXES, 1):
                box = FigureBox("—", scope=scope, classes=f"figure {style}", id=f"box-{key}")
                box.border_title = f"{place % 10} {self.t[key]}"
                localise(box, self.lang)
                yield box
        with Horizontal(id="pulses"):  # the trends at a glance, from the daily snapshots
            for key in PULSES:
                with Vertical(classes=f"pulse {key}"):
                    yield Static("", id=f"pulse-label-{key}", classes="pulse-label")
                    yield Sparkline([0.0], id=f"pulse-{key}", summary_function=max)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_open_box(self, place: int) -> None:
        self.open_list(BOXES[place - 1][2])

    def action_reviews(self) -> None:
        from command_center.screens.reviews import ReviewsScreen

        self.app.push_screen(ReviewsScreen(self.runtime))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The court picker where there are courts to pick (not in the footer of one court's)."""
        return self.several_courts if action == "pick_court" else True

    def action_pick_court(self) -> None:
        """The court picker: the courts the user may see and the levels above them."""
        from command_center.screens.court_picker import pick_court

        pick_court(self, failed=self.show_error)

    def open_list(self, scope: str) -> None:
        from command_center.screens.case_list import CaseListScreen

        self.app.push_screen(CaseListScreen(self.runtime, CaseFilter(scope=scope)))

    def load(self) -> None:
        rt = self.runtime

        def read() -> tuple[Indicators, CasePage, dict, Duty | None, bool, list[str]]:
            db, rules = rt.read_database(), rt.rules()  # figures only: a standby (read_db) when there is one
            courts = courts_of(self.app)
            last = rules.today
            scope = snapshot_scope(db, courts)  # the daily snapshots of these courts
            first = last - timedelta(days=PULSE_DAYS - 1)
            pulses = {key: [float(v) for _, v in trend(db, key, first, last, scope)] for key in PULSES}
            turning = list_cases(db, rules, CaseFilter(scope="turning", courts=courts), limit=1)
            several = len(list_courts(db)) > 1
            names = [c.name for c in list_courts(db, courts)]  # the title names the courts shown
            duty = on_duty(db, rules.calendar, rules.today)
            return indicators(db, rules, courts), turning, pulses, duty, several, names

        in_thread(self, read, self.show, group="overview", failed=self.show_error)

    def show(self, read: tuple[Indicators, CasePage, dict, Duty | None, bool, list[str]]) -> None:
        data, turning, pulses, duty, self.several_courts, names = read
        code = getattr(self.app, "court_code", None)
        court = scope_title(self.lang, code, names, self.runtime.settings.court_name)
        self.app.title = f"{APP_TITLES[self.lang]} · {court}"
        self.query_one("#duty", Static).update(duty_line(self.lang, duty, names_visible(self.app)))
        for key, values in pulses.items():
            line = self.query_one(f"#pulse-{key}", Sparkline)
            line.data = values or [0.0]
            line.display = len(values) > 1  # one day is no pulse: the label says how to fill it in
            latest = f"{values[-1]:,.0f}" if values else "—"
            label = self.t["pulse"].format(what=self.t[f"pulse_{key}"], days=PULSE_DAYS, latest=latest)
            if len(values) < 2:
                label += "\n" + self.t["no_pulse"]
            self.query_one(f"#pulse-label-{key}", Static).update(label)
        for key, text in figures(data, self.runtime.lang).items():
            self.query_one(f"#box-{key}", Static).update(text)
        self.query_one("#box-turning", Static).update(self.turning_text(turning))
        status = self.query_one("#status", Static)
        status.remove_class("error")
        # the courts shown, and the picker's key, where the database holds several courts
        scope = f"  ·  {self.t['scope']}: {code or self.t['every_court']}" if self.several_courts else ""
        keys = self.t["keys"] + (f" · {self.t['keys_court']}" if self.several_courts else "")
        url = self.runtime.read_database().display_url
        line = f"{self.t['as_of']}: {data.now:%Y-%m-%d %H:%M:%S}{scope}  ·  {url}"
        fits = cell_len(f"{line}  ·  {keys}") <= self.size.width - 4  # its padding: else the keys go below
        status.update(f"{line}  ·  {keys}" if fits else f"{line}\n{keys}")
        self.refresh_bindings()

    def turning_text(self, page: CasePage) -> str:
        """即将转红: how many cases turn red or yellow within 7 days, and the first day one does."""
        text = f"{page.total:,} {self.t['unit_cases']}"
        first = page.rows[0] if page.rows else None
        turns = self.runtime.rules().turns(first.due_date, first.tier) if first and first.due_date else None
        if turns:
            text += f" · {self.t['first_turn'].format(day=f'{turns[1]:%m-%d}', light=self.t['light_' + turns[0]])}"
        return text

    def show_error(self, message: str) -> None:
        status = self.query_one("#status", Static)
        status.add_class("error")
        status.update(f"{self.t['error']}: {message}")

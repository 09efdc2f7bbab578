"""The wall display (大屏): left running all day on the command centre's wall terminal, untouched.

Everything shown comes from :func:`command_center.data.wall.wall_data` (which includes the
very indicators ``command-center indicators`` prints), read by a thread worker through
:class:`~command_center.wall_reader.WallReader` (in a reader process of its own, so the
reads never wait for this screen's rendering): the next
poll is scheduled only after the previous one finished, so polls never overlap, and on
PostgreSQL a listener thread refreshes within a second of the scheduler's NOTIFY.  When the
database is unreachable the last figures stay up under a red stale banner, and the screen
recovers by itself.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from command_center.data.caseno import compact_case_no, court_of, short_case_no
from command_center.data.engine import backend_name, listen_for_changes
from command_center.data.replica import ReplicaState
from command_center.data.rules import shown_code
from command_center.data.wall import LIST_LIMIT, LISTS, TIERS, WallData
from command_center.data.workcal import TZ
from command_center.labels import RESPONSE_STATES
from command_center.labels import WALL as LABELS
from command_center.runtime import Runtime
from command_center.screens.keys import HELP, WithHelp, localise
from command_center.screens.labels import courts_of, duty_line, scope_title
from command_center.screens.wall_reader import FeedReader, WallReader
from command_center.screens.work import in_thread
from command_center.widgets.wall_widgets import Column, PagedTable, Ticker

RESPONSE_STYLE = {"done": "green", "submitted": "cyan", "missing": "yellow", "late": "bold red"}
TICK_SECONDS = 0.2
PAGE_SECONDS = 8.0
#: the banner shows the error's first line up to this length (two lines at 200 columns): a
#: connection failure names the URL and the server before the driver's reason
MESSAGE_CHARS = 320
#: below this width the lower panels share the row equally and lose their padding
NARROW = 160


BARS = "▁▂▃▄▅▆▇█"


def spark(values) -> str:
    """A pulse in eight block heights, the lowest value lowest (a flat line at the bottom)."""
    numbers = [float(v) for v in values]
    low, high = min(numbers), max(numbers)
    if high == low:
        return BARS[0] * len(numbers)
    return "".join(BARS[round((v - low) / (high - low) * (len(BARS) - 1))] for v in numbers)


class WallScreen(WithHelp, Screen[None]):
    CSS_PATH = "wall.tcss"
    BINDINGS = [
        Binding("p", "pause", "pause"),
        Binding("r", "refresh_now", "refresh"),
        Binding("c", "pick_court", "court"),
        Binding("q", "app.quit", "quit"),
        HELP,
    ]

    def __init__(
        self,
        runtime: Runtime,
        *,
        interval: float = 10.0,
        listen: bool = True,
        reader: WallReader | FeedReader | None = None,
    ):
        """``reader``: where the figures come from (default: the database, through a
        :class:`WallReader`); ``command-center serve``'s tabs read its feed (:class:`FeedReader`)."""
        super().__init__()
        self.runtime = runtime
        self.interval = interval
        self.listen = listen
        self.t = LABELS[runtime.lang]
        self.lang = runtime.lang
        self.help_extra = self.t["help"]
        localise(self, self.lang)
        self.refreshed_at: datetime | None = None
        self.error: str | None = None
        self.paused = False
        self._loading = False
        self._next = None
        #: list → where the window it shows begins: moved along as its pages turn
        self.offsets = dict.fromkeys(LISTS, 0)
        self._stop = threading.Event()
        self.reader = reader or WallReader(runtime, separate=runtime.settings.wall_reader == "process")
        self._shown: WallData | None = None

    def compose(self) -> ComposeResult:
        t = self.t
        yield Static(id="titlebar")
        yield Static(id="stale")
        yield Ticker(id="ticker")
        case_no = Column(t["case_no"], short=short_case_no, dropped=court_of, several_short=compact_case_no)
        light_columns = [
            case_no,
            Column(t["debtor"], drop=4),
            Column(t["team"], drop=3),
            Column(t["officer"], drop=2),
            Column(t["days"], "right"),
            Column(t["node"], drop=1),
            Column(t["response"]),
        ]
        with Horizontal(id="lights"):
            for tier in TIERS:
                with Vertical(classes=f"panel {tier}", id=f"panel-{tier}"):
                    yield PagedTable(light_columns, empty=t["none"], id=f"list-{tier}")
        with Horizontal(id="lower"):
            with Vertical(classes="panel soon", id="panel-soon"):
                yield PagedTable(
                    [
                        Column(t["due"]),
                        case_no,
                        Column(t["node"]),
                        Column(t["team"], drop=2),
                        Column(t["officer"], drop=1),
                    ],
                    empty=t["none"],
                    id="list-soon",
                )
            with Vertical(classes="panel funds", id="panel-funds"):
                yield Static(id="funds-summary")
                yield PagedTable(
                    [case_no, Column(t["amount"], "right"), Column(t["waiting"], "right")],
                    empty=t["none"],
                    id="list-funds",
                )
            with Vertical(classes="panel teams", id="panel-teams"):
                yield PagedTable(
                    [
                        Column(t["team"]),
                        Column(t["open"], "right", drop=1),
                        Column(t["overdue"], "right"),
                        Column(t["red_short"], "right"),
                        Column(t["yellow_short"], "right"),
                        Column(t["blue_short"], "right"),
                    ],
                    empty=t["none"],
                    id="list-teams",
                )
            with Vertical(classes="panel courts", id="panel-courts"):  # the 中院 wall: a row per court
                yield PagedTable(
                    [
                        Column(t["court_code"]),
                        Column(t["court_name"], drop=3),
                        Column(t["open"], "right", drop=2),
                        Column(t["overdue"], "right"),
                        Column(t["red_short"], "right"),
                        Column(t["yellow_short"], "right"),
                        Column(t["blue_short"], "right"),
                        Column("3+7", "right", drop=1),
                        Column(t["double_zero"], "right", drop=1),
                    ],
                    empty=t["none"],
                    id="list-courts",
                )

    def on_mount(self) -> None:
        for tier in TIERS:
            self.query_one(f"#panel-{tier}").border_title = f"{self.t[tier]} · {self.rule(tier)}"
        self.query_one("#panel-soon").border_title = self.t["soon"]
        self.query_one("#panel-funds").border_title = self.t["funds"]
        self.query_one("#panel-teams").border_title = self.t["teams"]
        self.query_one("#panel-courts").border_title = self.t["courts"]
        self.query_one("#panel-courts").display = False
        self.query_one("#stale").display = False
        self.show_title()
        self.set_interval(1.0, self.show_title)
        self.set_interval(TICK_SECONDS, self.tick)
        self.set_interval(PAGE_SECONDS, self.turn_pages)
        self.load()
        # without connecting: it may be down; a standby (read_db) gets no NOTIFY: it refreshes on its interval
        if self.listen and not self.runtime.reads_replica and backend_name(self.runtime.settings.db) == "postgresql":
            self.listen_for_recomputes()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")

    def on_unmount(self) -> None:
        self._stop.set()
        self.reader.close()

    def rule(self, tier: str) -> str:
        """A light's rule for its panel's title: without the response where the panel is narrow
        (``超3个月``, not a cut ``超3个月 · 约谈+专项评…``)."""
        rule = self.t[tier + "_rule"]
        return rule.split(" · ")[0] if self.size.width < NARROW else rule

    # -- timers ----------------------------------------------------------------------------
    def tick(self) -> None:
        if not self.paused:
            self.query_one(Ticker).step()

    def turn_pages(self) -> None:
        if self.paused:
            return
        moved = False
        for table in self.query(PagedTable):
            if table.next_page():  # the end of a window of a longer list: read the next window now
                if self.reader.reads_windows:
                    self.offsets[table.id.removeprefix("list-")] = table.next_window()
                    moved = True
                else:  # a served tab: the feed's window is all there is, round again
                    table.page = 0
        if moved:
            self.load()

    def windows(self) -> dict[str, tuple[int, int]]:
        """Each list's window to read: from its offset (just after the rows shown last), whole
        pages of its table (LIST_LIMIT rows or more), so that the pages of a window are the
        pages of the whole list (until a resize changes their size: the next round is right)."""
        windows = {}
        for name in LISTS:
            size = self.query_one(f"#list-{name}", PagedTable).page_size
            windows[name] = (self.offsets[name], size * max(1, -(-LIST_LIMIT // size)))
        return windows

    def show_title(self) -> None:
        t, rt = self.t, self.runtime
        now = rt.clock.now().astimezone(TZ)
        refreshed = f"{self.refreshed_at.astimezone(TZ):%H:%M:%S}" if self.refreshed_at else t["never"]
        db_state = Text(t["db_down"], style="bold red") if self.error else Text(t["db_ok"], style="green")
        # on a narrow terminal the court's name alone: the product's name would push 值班 out
        court = rt.settings.court_name
        if self._shown is not None:  # the courts it shows: one court's name, or a 中院's scope
            shown = self._shown
            names = [shown.court_name] if shown.court_name else [""] * len(shown.courts)
            court = scope_title(rt.lang, getattr(self.app, "court_code", None), names, court)
        name = court if self.app.size.width < 160 else f"{court} · {t['title']}"
        line = Text.assemble(
            (f" {name}", "bold"),
            f"   {now:%Y-%m-%d %H:%M:%S}",
            f"   {t['refreshed']} {refreshed}   ",
            db_state,
        )
        if self._shown is not None and self._shown.replica is not None and not self.error:
            line.append_text(self.replica_age(self._shown.replica))
        if self._shown is not None:  # 值班: the login and the masked name (the wall is public), never a phone
            line.append(f"   {duty_line(self.lang, self._shown.duty, visible=False)}", style="bold")
        if self.paused:
            line.append(f"   ⏸ {t['paused']}", style="yellow")
        self.query_one("#titlebar", Static).update(line)

    def replica_age(self, replica: ReplicaState) -> Text:
        """Read from a standby: how old the figures are, its replication lag included."""
        age = replica.age(time.monotonic())
        if age is None:
            return Text(f"   {self.t['replica_unknown']}", style="yellow")
        if replica.caught_up:
            return Text(f"   {self.t['replica_caught_up'].format(age=f'{age:,.0f}')}", style="green")
        lag = f"{replica.lag_seconds or 0:,.0f}"
        return Text(f"   {self.t['replica_behind'].format(age=f'{age:,.0f}', lag=lag)}", style="yellow")

    # -- data --------------------------------------------------------------------------------
    def action_refresh_now(self) -> None:
        self.load()

    def rescoped(self) -> None:
        """Another court chosen: each list from its beginning, read now."""
        self.offsets = dict.fromkeys(LISTS, 0)
        self.load()

    def load(self) -> None:
        """Poll now, unless a poll is running (polls never overlap); the next is scheduled after it."""
        if self._loading:
            return
        if self._next is not None:
            self._next.stop()
            self._next = None
        self._loading = True
        self.poll()

    def poll(self) -> None:
        # the wall never crashes: an error shows the last figures as stale
        windows = self.windows()
        in_thread(
            self,
            lambda: self.reader.read(self.runtime.clock.now(), windows, courts_of(self.app)),
            self.show,
            group="wall-poll",
            failed=lambda message: self.show_stale(message[:MESSAGE_CHARS]),
        )

    def _polled(self) -> None:
        self._loading = False
        self._next = self.set_timer(self.interval, self.load)

    @property
    def closing(self) -> bool:
        """Whether the screen is going away: a poll's result may land while its widgets are
        being removed (a browser tab closed, the app quitting), and is then dropped."""
        return self._stop.is_set() or self._pruning or self._closing or not self.is_attached

    def show_stale(self, message: str) -> None:
        if self.closing:
            return
        self.error = message
        banner = self.query_one("#stale", Static)
        if self.refreshed_at is None:  # down since the wall opened
            banner.update(self.t["stale_empty"].format(error=message))
        else:
            banner.update(
                self.t["stale"].format(at=f"{self.refreshed_at.astimezone(TZ):%Y-%m-%d %H:%M:%S}", error=message)
            )
        banner.display = True
        self.show_title()
        self._polled()

    def show(self, data: WallData) -> None:
        if self.closing:
            return
        if data is self._shown and self.error is None:  # a feed that did not change: nothing to redraw
            self._polled()
            return
        self._shown = data
        self.error = None
        self.refreshed_at = data.indicators.now
        self.query_one("#stale", Static).display = False
        t, lang = self.t, self.runtime.lang
        figures = data.indicators
        for table in self.query(PagedTable):  # a 中院's wall: every 案号 keeps its court's code
            table.several = bool(data.courts)
        for tier in TIERS:
            panel = self.query_one(f"#panel-{tier}")
            count = getattr(figures.lights, tier)
            panel.border_title = f"{t[tier]} {_cases(t, count)} · {self.rule(tier)}"
            rows = [
                (
                    c.case_no,
                    c.debtor,
                    c.team,
                    c.officer,
                    f"{c.overdue_days:,}",
                    shown_code(c.node_code, lang),
                    self._response(c.response),
                )
                for c in data.lights[tier]
            ]
            self.query_one(f"#list-{tier}", PagedTable).set_rows(rows, total=count, first=data.offsets.get(tier, 0))
        soon = [
            (
                f"{s.due_at.astimezone(TZ):%m-%d %H:%M}" + (t["provisional"] if s.provisional else ""),
                s.case_no,
                shown_code(s.node_code, lang),
                s.team,
                s.officer,
            )
            for s in data.due_soon
        ]
        self.query_one("#panel-soon").border_title = f"{t['soon']}  {figures.due_soon_nodes:,}"
        self.query_one("#list-soon", PagedTable).set_rows(
            soon, total=figures.due_soon_nodes, first=data.offsets.get("soon", 0)
        )
        self.query_one("#funds-summary", Static).update(
            Text.assemble(
                (f"{t['funds_3_7']} ", "bold"),
                (f"{figures.funds_3_7_overdue:,}", "bold yellow"),
                "\n",  # one line each: the count is never cut
                (f"{t['funds_30']} ", "bold"),
                (f"{figures.funds_over_30_days:,}", "bold red" if figures.funds_over_30_days else "bold green"),
            )
        )
        funds = [(f.case_no, f"{f.amount:,.2f}", f"{f.days:,}") for f in data.late_funds]
        self.query_one("#list-funds", PagedTable).set_rows(
            funds, total=figures.funds_over_30_days, first=data.offsets.get("funds", 0)
        )
        teams = [
            (
                _team(self.t, r),
                f"{r.open_cases:,}",
                f"{r.overdue_nodes:,}",
                *_tier_cells(r.red, r.yellow, r.blue),
            )
            for r in data.teams
        ]
        self.query_one("#list-teams", PagedTable).set_rows(teams)
        # a scope of several courts (a 中院's): a row per court, worst first, instead of the teams
        courts = [
            (
                r.code,
                r.name,
                f"{r['open_cases']:,}",
                f"{r['overdue_nodes']:,}",
                *_tier_cells(r["red"], r["yellow"], r["blue"]),
                f"{r['funds_3_7_overdue']:,}",
                f"{r['double_zero_count']:,}",
            )
            for r in data.courts
        ]
        self.query_one("#list-courts", PagedTable).set_rows(courts)
        self.query_one("#panel-courts").display = bool(courts)
        self.query_one("#panel-teams").display = not courts
        self.query_one(Ticker).set_text(self.ticker_text(data))
        self.show_title()
        self._polled()

    def _response(self, state: str | None) -> Text:
        if state is None:
            return Text(self.t["no_alert"], style="dim")
        return Text(RESPONSE_STATES[self.runtime.lang][state], style=RESPONSE_STYLE[state])

    def ticker_text(self, data: WallData) -> Text:
        t, f = self.t, data.indicators
        items = [
            (t["new_cases_today"], _cases(t, f.new_cases_today), "bold cyan"),
            (
                t["undisbursed"],
                f"{f.undisbursed_amount:,.2f} {t['yuan']} ({f.undisbursed_count:,} {t['items']})",
                "bold cyan",
            ),
            (t["due_soon_nodes"], f"{f.due_soon_nodes:,}", "bold yellow"),
            (t["overdue_nodes"], f"{f.overdue_nodes:,}", "bold red"),
            (t["funds_3_7"], f"{f.funds_3_7_overdue:,}", "bold yellow"),
            (t["funds_30"], f"{f.funds_over_30_days:,}", "bold red" if f.funds_over_30_days else "bold green"),
            (t["freezes"], f"{f.freezes_expiring:,}", "bold yellow"),
            (t["seals"], f"{f.seals_expiring:,}", "bold yellow"),
        ]
        pulse = {"new_cases_today": 0, "overdue_nodes": 3}  # the items that carry their pulse
        text = Text()
        for index, (label, value, style) in enumerate(items):
            text.append(f"  {label} ")
            text.append(value, style=style)
            key = next((k for k, i in pulse.items() if i == index), None)
            if key and len(data.pulses.get(key, ())) > 1:
                text.append(" " + spark(data.pulses[key]), style=style.replace("bold ", ""))
            text.append("   ◆")
        if len(data.pulses.get("red", ())) > 1:
            text.append(f"  {t['red']} ")
            text.append(f"{f.lights.red:,} {spark(data.pulses['red'])}", style="bold red")
            text.append("   ◆")
        worst = sorted(data.teams, key=lambda r: (-r.red, -r.overdue_nodes))[:3]
        for row in worst:
            text.append(
                "  " + t["team_line"].format(team=_team(t, row), overdue=f"{row.overdue_nodes:,}", red=f"{row.red:,}"),
                style="bold",
            )
            text.append("   ◆")
        return text

    # -- PostgreSQL NOTIFY ---------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="wall-listen")
    def listen_for_recomputes(self) -> None:
        """Refresh within a second of the scheduler's NOTIFY; reconnects by itself."""
        worker = get_current_worker()
        listen_for_changes(
            self.runtime.settings.db,
            lambda: self.app.call_from_thread(self.load),
            self._stop,
            lambda: worker.is_cancelled,
        )

    # -- keys ----------------------------------------------------------------------------------
    def action_pick_court(self) -> None:
        """The court picker (a 中院's wall looks into one of its courts and back); a served tab
        shows the courts of its serve process, and has none."""
        if isinstance(self.reader, FeedReader):
            return
        from command_center.screens.court_picker import pick_court

        pick_court(self)

    def action_pause(self) -> None:
        self.paused = not self.paused
        self.show_title()


def _tier_cells(red: int, yellow: int, blue: int) -> tuple[Text, Text, Text]:
    """A team's or a court's red / yellow / blue counts, each in its colour."""
    return (
        Text(f"{red:,}", style="bold red"),
        Text(f"{yellow:,}", style="bold yellow"),
        Text(f"{blue:,}", style="bold blue"),
    )


def _cases(t: dict, n: int) -> str:
    """``1 case``, ``3 cases`` (``3 件``)."""
    return f"{n:,} {t['case' if n == 1 else 'cases']}"


def _team(t: dict, row) -> str:
    """A team board row's name; the row of the cases without a team says so."""
    return row.team if row.team is not None else t["no_team_row"]

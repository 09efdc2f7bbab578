"""The morning brief (晨会): what changed since yesterday, the indicators beside their targets,
plotext trends and the team comparison, and the red cases waiting for a decision.

Every figure comes from :mod:`command_center.data.brief` (the same functions as
``brief --json`` and ``--export``), read in a thread worker.  Keys: ``p`` switches the
period, ``c`` the chart, ``d`` 30/90 days of trend, ``s`` the teams' sort column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from command_center.brief_export import shown, shown_unit
from command_center.data.brief import (
    CHANGES,
    OFFICER_KEYS,
    OFFICER_UNITS,
    SPEC,
    TEAM_KEYS,
    TREND_CHARTS,
    Brief,
    Period,
    brief,
    trend,
)
from command_center.data.courts import covering_code, list_courts, snapshot_scope
from command_center.data.workcal import TZ, local_date
from command_center.labels import BRIEF as LABELS
from command_center.labels import BRIEF_CHANGES, BRIEF_OFFICER_HEADERS, BRIEF_OFFICERS, RESPONSE_STATES
from command_center.labels import BRIEF_TEAM_HEADERS as TEAM_HEADERS
from command_center.labels import REVIEWS as REVIEW_WORDS
from command_center.labels import TIERS as LIGHT_WORDS
from command_center.runtime import Runtime
from command_center.screens.keys import HELP, KeysFooter, WithHelp, localise
from command_center.screens.labels import courts_of, names_visible, scope_title, shown_name
from command_center.screens.work import in_thread
from command_center.widgets.table import DataTable

PERIODS = ("year", "month", "days30")
#: from this width the courts' ranking names each court beside its code
WIDE = 160
CHARTS = ("overdue", "funds", "disbursement", "teams")
SERIES = TREND_CHARTS
COLOURS = {
    "overdue_nodes": "white",
    "red": "red",
    "yellow": "yellow",
    "blue": "blue",
    "undisbursed_amount": "cyan",
    "mean_disbursement_days": "green",
}


@dataclass(frozen=True)
class Loaded:
    brief: Brief
    trends: dict[str, list[tuple[date, object]]]
    #: the names of the courts shown (the title names one, or counts several)
    names: list[str] = field(default_factory=list)


class BriefScreen(WithHelp, Screen[None]):
    CSS_PATH = "brief.tcss"
    BINDINGS = [
        HELP,
        Binding("p", "period", "period"),
        Binding("c", "chart", "chart"),
        Binding("d", "days", "days"),
        Binding("s", "sort", "sort"),
        Binding("o", "officers", "officers"),
        Binding("k", "courts", "court_ranking"),
        Binding("r", "reload", "refresh"),
        Binding("q", "app.quit", "quit"),
    ]

    def __init__(self, runtime: Runtime, period: Period | None = None):
        super().__init__()
        self.runtime = runtime
        self.t = LABELS[runtime.lang]
        self.lang = runtime.lang
        localise(self, self.lang)
        self.custom = period
        self.period_kind = "year"
        self.chart = CHARTS[0]
        self.days = 30
        self.sort_key = 0
        self.officers = False  # the lower table: the teams, or the officers (o)
        self.courts = True  # with several courts, the lower table ranks them (k: the teams instead)
        self.loaded: Loaded | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="brief-title")
        yield Static(id="changes")
        with Horizontal(id="upper"):
            yield DataTable(id="indicators", cursor_type="row", zebra_stripes=True)
            with Vertical(id="chart-box"):
                yield PlotextPlot(id="chart")
                yield Static(id="legend")
        with Horizontal(id="lower"):
            with Vertical(id="teams-box"):
                yield DataTable(id="teams", cursor_type="row", zebra_stripes=True)
            with Vertical(id="decisions-box"):
                yield DataTable(id="decisions", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        t = self.t
        self.query_one("#decisions-box").border_title = t["decisions"]
        self.query_one("#indicators", DataTable).add_columns(
            t["indicator"], t["value"], t["target"], t["day"], t["week"]
        )
        self.query_one("#decisions", DataTable).add_columns(*t["decision_columns"].split("|"))
        self.query_one("#brief-title", Static).update(t["loading"])
        self.load()

    # -- data --------------------------------------------------------------------------------
    def period(self) -> Period:
        today = local_date(self.runtime.clock.now())
        if self.custom is not None:
            return self.custom
        if self.period_kind == "month":
            return Period(today.replace(day=1), today)
        if self.period_kind == "days30":
            return Period(today - timedelta(days=29), today)
        return Period.year_to_date(today)

    def load(self) -> None:
        rt = self.runtime
        now = rt.clock.now()
        period = self.period()

        def read() -> Loaded:
            db = rt.read_database()
            courts = courts_of(self.app)
            data = brief(
                db,
                rt.rules(now),
                period=period,
                targets=rt.settings.court_targets(covering_code(db, courts)),
                courts=courts,
                targets_of=rt.settings.court_targets,
            )
            last = local_date(now)
            first = last - timedelta(days=self.days - 1)
            keys = ("overdue_nodes", "red", "yellow", "blue", "undisbursed_amount", "mean_disbursement_days")
            scope = snapshot_scope(db, courts)  # the daily snapshots of these courts
            names = [c.name for c in list_courts(db, courts)]
            return Loaded(data, {key: trend(db, key, first, last, scope) for key in keys}, names)

        def failed(message: str) -> None:  # shown on the screen, the brief stays open
            self.query_one("#brief-title", Static).update(Text(f"{self.t['error']}: {message}", style="bold red"))

        in_thread(self, read, self.show, group="brief", failed=failed)

    def court_title(self, names: list[str]) -> str:
        code = getattr(self.app, "court_code", None)
        return scope_title(self.runtime.lang, code, names, self.runtime.settings.court_name)

    def show(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.refresh_bindings()  # k: the courts' ranking, where there is one
        t, b = self.t, loaded.brief
        period_name = f"{t['period'][self.period_kind]} " if self.custom is None else ""
        self.query_one("#brief-title", Static).update(
            Text.assemble(
                (f" {self.court_title(loaded.names)} · {t['title']}", "bold"),
                f"   {period_name}{b.period}",
                f"   {t['at']} {b.at.astimezone(TZ):%Y-%m-%d %H:%M}",
            )
        )
        labels = BRIEF_CHANGES[self.runtime.lang]
        changes = Text(f" {t['since']}: ", style="bold")
        for key in CHANGES:
            changes.append(f"{labels[key]} ")
            changes.append(
                f"{b.changes[key]:,}",
                style="bold red" if key in ("new_red", "newly_overdue") and b.changes[key] else "bold",
            )
            changes.append("   ")
        if b.reviews:  # 评查: each list's progress
            words = REVIEW_WORDS[self.runtime.lang]
            changes.append(f"\n {words['title']}: ", style="bold")
            for r in b.reviews:
                changes.append(f"{words[r['kind']].split(' (')[0]} {r['period']} {r['marked']}/{r['total']}")
                if r["failed"]:
                    changes.append(f" ({words['fail']} {r['failed']})", style="bold red")
                changes.append("   ")
        self.query_one("#changes", Static).update(changes)
        table = self.query_one("#indicators", DataTable)
        table.clear()
        for row in b.rows:
            style = {True: "bold green", False: "bold red", None: ""}[row.meets]
            target = shown(row.target, row.spec) if row.target is not None else ""
            table.add_row(
                row.spec.label(self.runtime.lang),
                Text(shown(row.value, row.spec), style=style, justify="right"),
                Text(target, justify="right"),
                Text(shown(row.day_before, row.spec), justify="right"),
                Text(shown(row.week_before, row.spec), justify="right"),
                key=row.spec.key,
            )
        self.show_teams()
        decisions = self.query_one("#decisions", DataTable)
        decisions.clear()
        visible = names_visible(self.app)  # staff names in full after a login, as on the wall
        for d in b.decisions:
            decisions.add_row(
                d["case_no"],
                d["node_code"],
                shown_name(d["officer"], visible),
                Text(
                    RESPONSE_STATES[self.runtime.lang][d["response"]],
                    style="yellow" if d["response"] == "submitted" else "red",
                ),
            )
        for u in b.unlock_requests:  # 程序锁死: the officer asks, the chief decides
            officer = shown_name(u["officer"], visible)
            decisions.add_row(u["case_no"], t["locked"], officer, Text(t["unlock"], style="bold magenta"))
        for turn in b.turning:  # 即将转红: act before the wall does
            light = LIGHT_WORDS[self.runtime.lang][turn["turns_to"]]
            decisions.add_row(
                turn["case_no"],
                turn["node_code"],
                shown_name(turn["officer"], visible),
                Text(t["turns"].format(light=light, day=turn["on"][5:]), style=turn["turns_to"]),
            )
        if not b.decisions and not b.unlock_requests and not b.turning:
            decisions.add_row(Text(t["none"], style="dim"), "", "", "")
        self.draw_chart()

    def show_teams(self) -> None:
        if self.loaded is None:
            return
        if self.officers:
            self.show_officers()
            return
        if self.courts and self.loaded.brief.courts:
            self.show_courts()
            return
        table = self.query_one("#teams", DataTable)
        table.clear(columns=True)
        lang = self.runtime.lang
        key = TEAM_KEYS[self.sort_key]
        self.query_one("#teams-box").border_title = self.t["teams"].format(key=SPEC[key].label(lang))
        # who is behind comes first: the lowest of a "higher is better" figure (▲, ascending), the highest of the others
        marker = "▼" if SPEC[key].better == "lower" else "▲"
        headers = [
            self.t["team"],
            *[(marker if k == key else "") + h for k, h in zip(TEAM_KEYS, TEAM_HEADERS[lang], strict=True)],
        ]
        table.add_columns(*headers)
        spec = SPEC[key]
        teams = self.loaded.brief.teams
        ranked = sorted((f for f in teams if f[key] is not None), key=lambda f: f[key], reverse=spec.better == "lower")
        teams = ranked + [f for f in teams if f[key] is None]
        for f in teams:
            table.add_row(f.scope, *[Text(shown(f[k], SPEC[k]), justify="right") for k in TEAM_KEYS])

    def draw_chart(self) -> None:
        """Draw the chosen chart.  Its title and legend are Textual's (plotext measures a CJK
        character as one cell, so Chinese inside the plot would overflow its lines)."""
        if self.loaded is None:
            return
        widget = self.query_one(PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        t, lang = self.t, self.runtime.lang
        self.query_one("#chart-box").border_title = t["charts"][self.chart] + (
            "" if self.chart == "teams" else f" · {self.days} {t['days']}"
        )
        legend = Text()
        if self.chart == "teams":
            teams = self.loaded.brief.teams
            plt.bar([str(i) for i, _ in enumerate(teams, 1)], [int(f["overdue_nodes"]) for f in teams], color="red")
            for i, f in enumerate(teams, 1):
                legend.append(f"{i}.", style="bold").append(
                    f"{f.scope}({int(f['overdue_nodes']):,})  "
                )  # no space inside: wraps whole
        else:
            drawn = False
            for key in SERIES[self.chart]:
                points = self.loaded.trends[key]
                if points:
                    drawn = True
                    plt.plot([p[0].toordinal() for p in points], [float(p[1]) for p in points], color=COLOURS[key])
                    legend.append("━━ ", style=f"bold {COLOURS[key]}").append(
                        f"{SPEC[key].label(lang)} {shown(points[-1][1], SPEC[key])}   "
                    )
            if drawn:
                days = sorted({p[0] for key in SERIES[self.chart] for p in self.loaded.trends[key]})
                ticks = days[:: max(1, len(days) // 5)]
                plt.xticks([d.toordinal() for d in ticks], [f"{d:%m-%d}" for d in ticks])
                if len(days) < 2:  # a fresh database: one point is no trend
                    legend.append("\n" + t["few_points"].format(count=len(days)), style="dim")
            else:
                legend.append(t["no_trend"], style="dim")
        self.query_one("#legend", Static).update(legend)
        widget.refresh()

    # -- keys --------------------------------------------------------------------------------
    def action_period(self) -> None:
        self.custom = None
        self.period_kind = PERIODS[(PERIODS.index(self.period_kind) + 1) % len(PERIODS)]
        self.load()

    def action_chart(self) -> None:
        self.chart = CHARTS[(CHARTS.index(self.chart) + 1) % len(CHARTS)]
        self.draw_chart()

    def action_days(self) -> None:
        self.days = 90 if self.days == 30 else 30
        self.load()

    def show_officers(self) -> None:
        """The officers' figures (承办人), in the order of the teams, then logins."""
        table = self.query_one("#teams", DataTable)
        table.clear(columns=True)
        lang, officers = self.runtime.lang, self.loaded.brief.officers
        words = BRIEF_OFFICERS[lang]
        self.query_one("#teams-box").border_title = words["title"].format(count=len(officers))
        table.add_columns(words["officer"], words["team"], *BRIEF_OFFICER_HEADERS[lang])
        visible = names_visible(self.app)
        for o in officers:
            table.add_row(
                f"{o.login} {shown_name(o.name, visible)}",
                o.team,
                *[Text(shown_unit(o.values[k], OFFICER_UNITS[k]), justify="right") for k in OFFICER_KEYS],
            )

    def show_courts(self) -> None:
        """The courts of a scope of several, ranked on the chosen figure (s), each figure with the
        court's place among them, under the targets (exact: each court's own figures)."""
        table = self.query_one("#teams", DataTable)
        table.clear(columns=True)
        lang, courts = self.runtime.lang, self.loaded.brief.courts
        key = TEAM_KEYS[self.sort_key]
        self.query_one("#teams-box").border_title = self.t["courts"].format(key=SPEC[key].label(lang))
        marker = "▼" if SPEC[key].better == "lower" else "▲"
        table.add_columns(
            self.t["court"],
            *[(marker if k == key else "") + h for k, h in zip(TEAM_KEYS, TEAM_HEADERS[lang], strict=True)],
        )
        # the scope's targets; a court with its own ([courts] settings) is judged by them
        targets = {row.spec.key: row.target for row in self.loaded.brief.rows}
        table.add_row(
            Text(self.t["target_row"], style="dim"),
            *[Text("" if targets.get(k) is None else shown(targets[k], SPEC[k]), justify="right") for k in TEAM_KEYS],
        )
        # who is behind comes first, as in the teams table
        ranked = sorted(courts, key=lambda c: (c.ranks[key] is None, -(c.ranks[key] or 0), c.code))
        wide = self.app.size.width >= WIDE
        for c in ranked:
            cells = []
            for k in TEAM_KEYS:
                meets = SPEC[k].meets(c.figures[k], c.targets.get(k))
                # narrower, the place on the chosen figure only: every column then fits the panel
                rank = f" ({c.ranks[k]})" if c.ranks[k] is not None and (wide or k == key) else ""
                style = {True: "green", False: "red", None: ""}[meets]
                cells.append(Text(shown(c.figures[k], SPEC[k]) + rank, style=style, justify="right"))
            table.add_row(f"{c.code} {c.name}" if wide else c.code, *cells)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The courts' ranking where the brief has one (a scope of several courts); the sort of
        the teams' table while it shows (the officers' table is in the teams' order)."""
        if action == "courts":
            return bool(self.loaded and self.loaded.brief.courts)
        if action == "sort":
            return not self.officers
        return True

    def action_courts(self) -> None:
        self.courts = not self.courts
        self.officers = False
        self.show_teams()
        self.refresh_bindings()

    def action_officers(self) -> None:
        self.officers = not self.officers
        self.show_teams()
        self.refresh_bindings()

    def action_sort(self) -> None:
        self.sort_key = (self.sort_key + 1) % len(TEAM_KEYS)
        self.show_teams()

    def action_reload(self) -> None:
        self.load()

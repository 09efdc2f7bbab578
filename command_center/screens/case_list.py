"""The case list behind a panel or an indicator: paged, sortable, filterable, Enter opens a case.

One page (50 rows) is read at a time, with the total, so a list of 100,000 cases opens as fast
as one of ten.  ``/`` filters by part of the 案号 or a party's name, ``f`` by team, officer,
node stage and tier, ``d`` keeps the cases whose track is not the one triage suggests (繁简分流),
``s`` changes the sort and ``n`` / ``p`` turn the page.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from command_center.data.cases import PAGE, SORTS, CaseFilter, CasePage, list_cases, teams_and_officers
from command_center.data.lights import TIERS
from command_center.data.rules import shown_code
from command_center.labels import STAGES_EN
from command_center.runtime import Runtime
from command_center.screens.forms import Field, FormScreen
from command_center.screens.keys import HELP, KeysFooter, WithHelp, localise
from command_center.screens.labels import LIGHT_STYLE, courts_of, label, names_visible, shown_name
from command_center.screens.work import in_thread
from command_center.widgets.table import DataTable

COLUMNS = ("case_no", "debtor", "team", "officer", "amount", "node", "days", "tier", "lock")


class CaseListScreen(WithHelp, Screen[None]):
    CSS_PATH = "drill.tcss"
    BINDINGS = [
        HELP,
        Binding("escape", "back", "back"),
        Binding("enter", "open_case", "open", show=False),
        Binding("slash", "find", "find"),
        Binding("f", "filters", "filters"),
        Binding("d", "triage_filter", "triage_filter"),
        Binding("s", "sort", "sort"),
        Binding("S", "reverse", "reverse", show=False),  # in ? help: the footer keeps room at 120 columns
        Binding("n", "page(1)", "next"),
        Binding("p", "page(-1)", "prev"),
        Binding("r", "reload", "refresh"),
        Binding("l", "app.login", "login"),
    ]

    def __init__(self, runtime: Runtime, flt: CaseFilter):
        super().__init__()
        self.runtime = runtime
        self.filter = flt
        self.sort = "days"
        self.descending = True
        self.first_row = 0
        #: the next page shown is another list (sorted, filtered otherwise): its cursor starts at the top
        self.new_list = False
        self.page: CasePage | None = None
        self.lang = runtime.lang
        localise(self, self.lang)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="list-title")
        yield Input(placeholder=label(self.lang, "find_hint"), id="find", classes="hidden")
        yield DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield Static("", id="list-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#cases", DataTable)
        for key in COLUMNS:  # the undisbursed funds' list shows what waits to be paid out, not the 标的
            shown = "waiting" if key == "amount" and self.filter.scope == "funds" else key
            table.add_column(label(self.lang, shown), key=key)
        table.focus()
        self.load()

    def action_reload(self) -> None:
        self.load()

    def load(self) -> None:
        rt = self.runtime

        def read() -> CasePage:
            # the screens' courts (--court, the picker, the user's court code), within the list's own
            courts, own = courts_of(self.app), self.filter.courts
            if courts is not None and own is not None:
                courts = frozenset(courts) & own
            return list_cases(
                rt.database(),
                rt.rules(),
                replace(self.filter, courts=own if courts is None else frozenset(courts)),
                self.sort,
                viewer=self.app.actor,
                descending=self.descending,
                offset=self.first_row,
                limit=PAGE,
                triage=rt.settings.triage,
            )

        in_thread(self, read, self.show, group="case-list")

    def show(self, page: CasePage) -> None:
        table = self.query_one("#cases", DataTable)
        # a reload of the same page (after a recompute, a login, back from a case) keeps the
        # cursor on its case, or its row if the case left the page; a new page starts at the top
        same_page = not self.new_list and self.page is not None and self.page.offset == page.offset
        self.new_list = False
        at, kept = 0, None
        if same_page and table.row_count:
            at, kept = table.cursor_row, table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.page = page
        visible = names_visible(self.app)
        rules = self.runtime.rules() if self.filter.scope == "turning" else None
        with self.app.batch_update():
            table.clear()
            for row in page.rows:
                tier = Text(label(self.lang, row.tier) if row.tier else "", style=LIGHT_STYLE.get(row.tier or "", ""))
                turns = rules.turns(row.due_date, row.tier) if rules and row.due_date else None
                if turns:  # 即将转红: the light it turns to, and the day
                    light, day = turns
                    tier.append(f" → {label(self.lang, light)} {day:%m-%d}", style=LIGHT_STYLE.get(light, ""))
                days = (
                    str(row.overdue_days)
                    if row.tier
                    else (f"{row.due_at.astimezone(self.runtime.clock.now().tzinfo):%m-%d %H:%M}" if row.due_at else "")
                )
                table.add_row(
                    row.case_no,
                    shown_name(row.debtor, visible),
                    row.team,
                    shown_name(row.officer, visible),  # staff too, as on the wall and the duty line
                    Text(f"{row.amount if row.waiting is None else row.waiting:,.2f}", justify="right"),
                    shown_code(row.node_code, self.lang),
                    Text(days, justify="right"),
                    tier,
                    "🔒" if row.locked else "",
                    key=str(row.case_id),
                )
            keys = [str(row.case_id) for row in page.rows]
            if page.rows:
                table.move_cursor(row=keys.index(kept) if kept in keys else min(at, len(keys) - 1), animate=False)
        self.query_one("#list-title", Static).update(self.title_text())
        pages = max(1, -(-page.total // PAGE))
        first = page.offset + 1 if page.rows else 0
        self.query_one("#list-status", Static).update(
            label(self.lang, "page_line").format(
                first=first,
                last=page.offset + len(page.rows),
                total=page.total,
                page=page.offset // PAGE + 1,
                pages=pages,
            )
        )

    def title_text(self) -> str:
        f = self.filter
        parts = [label(self.lang, f"scope_{f.scope}")]
        for key in ("team", "officer", "stage", "tier", "text"):
            value = getattr(f, key)
            if value:
                parts.append(f"{label(self.lang, key)}: {label(self.lang, value) if key == 'tier' else value}")
        if f.triage_disagrees:
            parts.append(label(self.lang, "triage_disagrees"))
        order = label(self.lang, f"sort_{self.sort}") + (" ↓" if self.descending else " ↑")
        return "  ·  ".join(parts) + f"    [{label(self.lang, 'sorted_by')} {order}]"

    def action_open_case(self) -> None:
        table = self.query_one("#cases", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        from command_center.screens.case import CaseScreen

        self.app.push_screen(CaseScreen(self.runtime, int(key)))

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open_case()

    def action_back(self) -> None:
        find = self.query_one("#find", Input)
        if not find.has_class("hidden"):
            find.add_class("hidden")
            self.query_one("#cases", DataTable).focus()
            return
        self.dismiss()

    def action_find(self) -> None:
        find = self.query_one("#find", Input)
        find.remove_class("hidden")
        find.value = self.filter.text or ""
        find.focus()

    @on(Input.Submitted, "#find")
    def _found(self, event: Input.Submitted) -> None:
        event.input.add_class("hidden")
        self.filter = replace(self.filter, text=event.value.strip() or None)
        self.first_row, self.new_list = 0, True
        self.query_one("#cases", DataTable).focus()
        self.load()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.first_row, self.new_list = 0, True
        self.load()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.first_row, self.new_list = 0, True
        self.load()

    def action_page(self, step: int) -> None:
        if self.page is None:
            return
        offset = self.first_row + step * PAGE
        if 0 <= offset < max(self.page.total, 1):
            self.first_row = offset
            self.load()

    def action_triage_filter(self) -> None:
        """Only the cases whose track disagrees with the triage suggestion, or all again."""
        self.filter = replace(self.filter, triage_disagrees=not self.filter.triage_disagrees)
        self.first_row, self.new_list = 0, True
        self.load()

    def action_filters(self) -> None:
        in_thread(
            self, lambda: teams_and_officers(self.runtime.database()), self._ask_filters, group="case-list-filters"
        )

    def _ask_filters(self, choices) -> None:
        teams, officers = choices
        f = self.filter
        fields = [
            Field(
                "team",
                label(self.lang, "team"),
                f.team or "",
                choices=tuple((name, name) for _, name in teams),
                required=False,
            ),
            Field(
                "officer",
                label(self.lang, "officer"),
                f.officer or "",
                choices=tuple((f"{name} ({login})", login) for _, login, name, _ in officers),
                required=False,
            ),
            Field(
                "stage",
                label(self.lang, "stage"),
                f.stage or "",
                choices=tuple(
                    (STAGES_EN.get(s, s) if self.lang == "en" else s, s) for s in self.runtime.catalogue.stages
                ),
                required=False,
            ),
            Field(
                "tier",
                label(self.lang, "tier"),
                f.tier or "",
                choices=tuple((label(self.lang, t), t) for t in (*TIERS, "overdue")),
                required=False,
            ),
        ]

        def chosen(values: dict | None) -> None:
            if values is None:
                return
            self.filter = replace(self.filter, **values)
            self.first_row, self.new_list = 0, True
            self.load()

        self.app.push_screen(FormScreen(label(self.lang, "filters"), fields, lang=self.lang), chosen)

"""我的待办 / My queue: what the logged-in user has to do, the first screen after login.

One table per section of :func:`command_center.data.queue.my_queue` (my alerts worst first, the
responses I owe, my 督办 items, a chief's responses to accept and unlock requests, each group's
board of what is due today), each with its count in its title ("50 of 312" when capped).
Enter opens the case of the selected row, where the actions are; Escape goes to the overview.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from command_center.data.queue import Queue, QueueRow, Section, my_queue
from command_center.labels import QUEUE as LABELS
from command_center.labels import RESPONSES, TIERS
from command_center.runtime import Runtime
from command_center.screens.keys import HELP, KeysFooter, WithHelp, localise
from command_center.screens.labels import LIGHT_STYLE
from command_center.screens.work import in_thread

SECTIONS = ("escalated", "alerts", "responses", "items", "accept", "unlocks")


class QueueScreen(WithHelp, Screen[None]):
    DEFAULT_CSS = """
    QueueScreen VerticalScroll { padding: 0 1; }
    QueueScreen .queue-title { margin-top: 1; text-style: bold; }
    QueueScreen #queue-status { color: $text-muted; }
    QueueScreen DataTable { height: auto; max-height: 12; }
    """
    BINDINGS = [
        HELP,
        Binding("escape,o", "overview", "overview"),
        Binding("enter", "open_case", "open", show=False),
        Binding("r", "refresh", "refresh"),
        Binding("l", "app.login", "login"),
    ]

    def __init__(self, runtime: Runtime):
        super().__init__()
        self.runtime = runtime
        self.lang = runtime.lang
        self.t = LABELS[self.lang]
        localise(self, self.lang)
        self.rows: dict[str, list[QueueRow]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="queue"):
            yield Static(self.t["loading"], id="queue-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load()

    def _count(self, n: int) -> str:
        """``3 items``, ``1 item``: in the screen's language."""
        return self.t["count_one"] if n == 1 else self.t["count"].format(n=n)

    def action_refresh(self) -> None:
        self.load()

    def action_overview(self) -> None:
        self.dismiss()

    def load(self) -> None:
        who = getattr(self.app, "actor", None)
        if who is None:
            return
        rt = self.runtime
        in_thread(
            self,
            lambda: my_queue(
                rt.database(), rt.catalogue, who, rt.clock.now(), unlock_by_parent=rt.settings.unlock_by_parent
            ),
            self.show,
            group="queue",
            failed=lambda message: self.query_one("#queue-status", Static).update(f"{self.t['error']}: {message}"),
        )

    async def show(self, queue: Queue) -> None:
        box = self.query_one("#queue", VerticalScroll)
        sections: list[tuple[str, str, Section]] = [
            (key, self.t[key], getattr(queue, key)) for key in SECTIONS if getattr(queue, key) is not None
        ]
        sections += [
            (f"group-{i}", self.t["group"].format(group=name), s) for i, (name, s) in enumerate(queue.groups.items())
        ]
        total = sum(s.total for key, _, s in sections)
        self.query_one("#queue-status", Static).update(
            self.t["status"].format(login=queue.login, today=f"{queue.today:%Y-%m-%d}", total=self._count(total))
        )
        self.rows = {}
        for key, title, section in sections:
            self.rows[key] = section.rows
            count = (
                self._count(section.total)
                if section.total == len(section.rows)
                else self.t["capped"].format(n=len(section.rows), total=section.total)
            )
            heading = f"{title} · {count}" if section.total else f"{title} · {self.t['none']}"
            found = self.query(f"#title-{key}")
            if found:
                found.first(Static).update(heading)
                table = self.query_one(f"#list-{key}", DataTable)
            else:
                await box.mount(Static(heading, classes="queue-title", id=f"title-{key}"))
                table = DataTable(id=f"list-{key}", cursor_type="row", zebra_stripes=True)
                await box.mount(table)
                table.add_columns(*self.t["columns"].split("|"))
            table.display = bool(section.rows)
            cursor = table.cursor_row
            table.clear()
            for row in section.rows:
                table.add_row(*self.cells(row))
            if section.rows:
                table.move_cursor(row=min(cursor, len(section.rows) - 1))
        if not isinstance(self.focused, DataTable):  # the worst of what is mine, ready for Enter
            first = next((t for t in self.query(DataTable) if t.display and t.row_count), None)
            if first is not None:
                first.focus()

    def cells(self, row: QueueRow) -> tuple:
        """案号, node, what, due (late in red)."""
        what = row.what or ""
        if row.kind == "alert":
            label = TIERS[self.lang].get(what) or self.t.get(what, what)
            what = Text(label, style=LIGHT_STYLE.get(row.what or "", ""))
        elif row.kind in ("response", "accept"):
            what = RESPONSES[self.lang].get(what, what)
        elif row.kind == "unlock":
            what = self.t["requested_by"].format(who=what)
        elif row.kind == "item":
            what = self.t["item"]
        node = row.node_code if row.node_code != "DB" else self.t["item"]
        if row.subject_id and row.node_code != "DB":
            node += f" ({row.subject_id})"
        due = f"{row.due:%Y-%m-%d}" if row.due else "—"
        return row.case_no, node, what, Text(due, style="bold red") if row.late else due

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_row(event.data_table)

    def action_open_case(self) -> None:
        if isinstance(self.focused, DataTable):
            self.open_row(self.focused)

    def open_row(self, table: DataTable) -> None:
        rows = self.rows.get((table.id or "").removeprefix("list-"), [])
        if table.row_count and table.cursor_row < len(rows):
            self.app.open_case(rows[table.cursor_row].case_id)

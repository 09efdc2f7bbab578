"""Widgets of the wall display: the scrolling ticker (走马灯) and the self-paging table."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class Ticker(Widget):
    """One line of text moving right to left, one character per step, round and round."""

    DEFAULT_CSS = "Ticker { height: 1; }"
    offset_chars: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._text = Text("")

    def set_text(self, text: Text) -> None:
        self._text = text
        if self.offset_chars >= len(text.plain):
            self.offset_chars = 0
        self.refresh()

    def step(self) -> None:
        length = len(self._text.plain)
        if length:
            self.offset_chars = (self.offset_chars + 1) % length

    def render(self) -> RenderableType:
        text = self._text
        length = len(text.plain)
        if not length:
            return Text("")
        width = max(self.size.width, 1)
        loop = text + text
        start, taken, end = self.offset_chars, 0, self.offset_chars
        # take characters from the offset until the line is full (CJK characters are two cells)
        while taken < width and end < start + length:
            taken += cell_len(loop.plain[end])
            end += 1
        while taken < width:  # a text shorter than the screen: repeat it
            loop = loop + text
            taken += cell_len(loop.plain[end])
            end += 1
        shown = loop[start:end]
        shown.truncate(width)
        return shown


class PagedTable(Widget):
    """A table that shows as many rows as fit and turns the page by itself (``next_page``)."""

    DEFAULT_CSS = "PagedTable { height: 1fr; }"
    page: reactive[int] = reactive(0)

    def __init__(self, columns: list[tuple[str, str, int]], *, empty: str = "", id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.columns = columns  # (header, justify, drop order: 0 = always shown, higher = dropped first when narrow)
        self.rows: list[tuple] = []
        self.empty = empty
        self.total: int | None = None  # the full count when ``rows`` is only the first part

    def set_rows(self, rows: list[tuple], total: int | None = None) -> None:
        self.rows = rows
        self.total = total
        if self.page >= self.pages:
            self.page = 0
        self.refresh()

    @property
    def page_size(self) -> int:
        return max(1, self.size.height - 2)  # the header and the page line

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // self.page_size))

    def next_page(self) -> None:
        self.page = (self.page + 1) % self.pages

    def render(self) -> RenderableType:
        size = self.page_size
        shown = self.rows[self.page * size:(self.page + 1) * size]
        keep = self._columns_that_fit(shown)
        table = Table(box=None, expand=True, pad_edge=False, padding=(0, 1), show_edge=False, header_style="bold")
        for index in keep:
            header, justify, _ = self.columns[index]
            table.add_column(header, justify=justify, no_wrap=True, overflow="ellipsis")
        for row in shown:
            table.add_row(*(row[i] for i in keep))
        if not self.rows:
            table.add_row(Text(self.empty, style="dim"), *[""] * (len(keep) - 1))
        footer = ""
        if self.pages > 1:
            footer = f"{self.page + 1}/{self.pages}"
        if self.total is not None and self.total > len(self.rows):
            footer += f"  ({len(self.rows)} / {self.total:,})"
        grid = Table.grid(expand=True)
        grid.add_row(table)
        for _ in range(size - len(shown) - (0 if self.rows else 1)):
            grid.add_row("")
        grid.add_row(Text(footer, style="dim", justify="right"))
        return grid

    def _columns_that_fit(self, rows: list[tuple]) -> list[int]:
        """The columns to show: the optional ones are dropped (highest drop order first) until the rest fit."""
        widths = []
        for index, (header, _, _) in enumerate(self.columns):
            cells = [cell_len(row[index].plain if isinstance(row[index], Text) else str(row[index])) for row in rows]
            widths.append(max([cell_len(header), *cells]) + 2)  # the padding either side
        keep = list(range(len(self.columns)))
        for index in sorted(keep, key=lambda i: -self.columns[i][2]):
            if sum(widths[i] for i in keep) <= self.size.width or self.columns[index][2] == 0:
                break
            keep.remove(index)
        return keep

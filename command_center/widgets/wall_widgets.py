"""Widgets of the wall display: the scrolling ticker (走马灯) and the self-paging table."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

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


class Column(NamedTuple):
    header: str
    justify: str = "left"
    #: 0: always shown; otherwise dropped when the table is too narrow, the highest first
    drop: int = 0
    #: a shorter form of a cell, used when the always-shown columns do not fit as they are, or
    #: when it leaves room for more columns and loses nothing (see ``dropped``)
    short: Callable[[str], str] | None = None
    #: what the short form leaves out of a cell (a 案号's court code): short forms that would
    #: hide a difference between the rows (two courts) are used only when nothing else fits
    dropped: Callable[[str], str] | None = None
    #: the short form in a list of several sources (a 中院's courts), keeping what tells them
    #: apart (the court code of a 案号, narrower); default ``short``
    several_short: Callable[[str], str] | None = None


def _cell_text(cell) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


class PagedTable(Widget):
    """A table that shows as many rows as fit and turns the page by itself (``next_page``).

    When it is too narrow it drops its optional columns, then uses the short forms of the
    cells that have one; right-aligned columns (the figures) are never cut.
    """

    DEFAULT_CSS = "PagedTable { height: 1fr; }"
    page: reactive[int] = reactive(0)
    GAP = 2  # cells between two columns (no padding at the edges)

    def __init__(self, columns: list[Column], *, empty: str = "", id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.columns = columns
        self.rows: list[tuple] = []
        self.empty = empty
        self.total: int | None = None  # the full count when ``rows`` is only a window of the list
        self.first = 0  # the place of ``rows[0]`` in the whole list
        #: the list is of several sources (a 中院's courts): a short form that leaves out what
        #: tells them apart loses something even where the rows of a page agree on it
        self.several = False

    def set_rows(self, rows: list[tuple], total: int | None = None, first: int = 0) -> None:
        if first != self.first or self.page >= -(-len(rows) // self.page_size):
            self.page = 0  # another window of the list (or it shrank): its first page
        self.rows = rows
        self.total = total
        self.first = first
        self.refresh()

    @property
    def windowed(self) -> bool:
        """Whether the list has rows beyond this window (the wall reads the next as the pages turn)."""
        return self.total is not None and (self.first > 0 or self.total > len(self.rows))

    def next_window(self) -> int:
        """Where the list's next window begins: after this one, or at the beginning again."""
        following = self.first + len(self.rows)
        return following if self.total is not None and following < self.total else 0

    @property
    def page_size(self) -> int:
        return max(1, self.size.height - 2)  # the header and the page line

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // self.page_size))

    def next_page(self) -> bool:
        """Turn the page; at the end of a window of a longer list, stay and return True: the
        caller reads the next window (:meth:`next_window`), whose rows start at its first page."""
        if self.page + 1 >= self.pages and self.windowed:
            return True
        self.page = (self.page + 1) % self.pages
        return False

    def render(self) -> RenderableType:
        size = self.page_size
        shown = self.rows[self.page * size : (self.page + 1) * size]
        keep, shorten = self.layout_for(shown)
        table = Table(box=None, expand=True, pad_edge=False, padding=(0, 1), show_edge=False, header_style="bold")
        for index in keep:
            column = self.columns[index]
            figures = column.justify == "right"
            table.add_column(
                column.header,
                justify=column.justify,
                no_wrap=True,
                overflow="ellipsis",
                min_width=self._width(index, shown, shorten) if figures else None,
            )
        for row in shown:
            table.add_row(*(self._cell(row[i], i, shorten) for i in keep))
        if not self.rows:
            table.add_row(Text(self.empty, style="dim"), *[""] * (len(keep) - 1))
        footer = ""
        if self.windowed:  # the page among the whole list's, and which rows these are
            assert self.total is not None
            pages = -(-self.total // size)
            first = self.first + self.page * size
            last = first + max(len(shown), 1)  # the page of its last row: right even in a window begun mid-page
            footer = f"{(last - 1) // size + 1}/{pages}  ({first + 1:,}–{first + len(shown):,} / {self.total:,})"
        elif self.pages > 1:
            footer = f"{self.page + 1}/{self.pages}"
        grid = Table.grid(expand=True)
        grid.add_row(table)
        for _ in range(size - len(shown) - (0 if self.rows else 1)):
            grid.add_row("")
        grid.add_row(Text(footer, style="dim", justify="right"))
        return grid

    def _cell(self, cell, index: int, shorten: bool):
        column = self.columns[index]
        short = column.several_short if self.several and column.several_short else column.short
        if shorten and short is not None:
            return short(cell) if isinstance(cell, str) else Text(short(cell.plain), style=cell.style)
        return cell

    def _width(self, index: int, rows: list[tuple], shorten: bool) -> int:
        cells = [cell_len(_cell_text(self._cell(row[index], index, shorten))) for row in rows]
        return max([cell_len(self.columns[index].header), *cells])

    def layout_for(self, rows: list[tuple]) -> tuple[list[int], bool]:
        """The columns to show and whether to use the short forms, for these rows at this width."""
        width = self.size.width

        def fits(keep: list[int], shorten: bool) -> bool:
            return sum(self._width(i, rows, shorten) for i in keep) + self.GAP * (len(keep) - 1) <= width

        def columns(shorten: bool) -> list[int]:
            keep = list(range(len(self.columns)))
            for index in sorted(keep, key=lambda i: -self.columns[i].drop):
                if fits(keep, shorten) or self.columns[index].drop == 0:
                    break
                keep.remove(index)
            return keep

        keep = columns(False)
        if fits(keep, False):
            shorter = columns(True)
            if len(shorter) > len(keep) and self._shortening_loses_nothing(rows):
                return shorter, True  # e.g. one court's 案号 without its code, and the debtor shown
            return keep, False
        return columns(True), True  # the short forms may leave room for optional columns again

    def _shortening_loses_nothing(self, rows: list[tuple]) -> bool:
        if self.several:
            return False
        for index, column in enumerate(self.columns):
            if column.short is not None:
                if column.dropped is None:
                    return False
                if len({column.dropped(_cell_text(row[index])) for row in rows}) > 1:
                    return False
        return True

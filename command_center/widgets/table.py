"""A DataTable whose cells are drawn again once its columns are sized to new rows.

Textual 8.2.8's DataTable measures new rows on its next idle and widens their columns, but
its cell cache is keyed without the width: a frame drawn between ``add_row`` and that idle
caches each cell cut to the header's width and keeps it (the brief's indicators read "首执"
for "首执结案率", seen under load).  Counting the width change as an update invalidates those
cells, as Textual does for every other change of the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import DataTable as _DataTable
from textual.widgets.data_table import RowKey


class DataTable(_DataTable):
    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        self._update_count += 1  # the key of every render cache: cells cut to the old widths go
        self.refresh()

"""The drill-down's labels (Chinese, with English), and the masking rule for personal names."""

from __future__ import annotations

from command_center.data.access import sees_names
from command_center.data.parties import mask_name
from command_center.labels import DRILL as LABELS

LIGHT_STYLE = {
    "red": "bold white on red",
    "yellow": "bold black on yellow",
    "blue": "bold white on blue",
    "overdue": "bold red",
}
STATE_STYLE = {
    "done": "green",
    "active": "",
    "due_soon": "bold yellow",
    "overdue": "bold red",
    "not_started": "dim",
    "stopped": "dim strike",
}


def label(lang: str, key: str) -> str:
    return LABELS[lang].get(key, key)


def names_visible(app) -> bool:
    """Personal names are shown in full only to a logged-in officer, chief or admin."""
    return sees_names(getattr(app, "actor", None))


def shown_name(name: str, visible: bool) -> str:
    return name if visible else mask_name(name)

"""Keys in the UI's language, and the help screen every screen opens with ``?``.

A ``Binding``'s description in this package is a key of :data:`command_center.labels.KEYS`;
:func:`localise` puts the words of the screen's language in its place when the screen is made,
so the footer and the help speak one language at a time.
"""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from command_center.labels import KEY_GROUPS, KEYS

HELP = Binding("question_mark,f1", "help", "help", key_display="?")


def localise(node: DOMNode, lang: str) -> None:
    """The node's key descriptions in ``lang`` (Textual copies the class's bindings to each
    node: this changes this node's copy only)."""
    words = KEYS[lang]
    bindings = node._bindings.key_to_bindings
    for key, found in bindings.items():
        bindings[key] = [
            replace(b, description=words[b.description], tooltip=b.description) if b.description in words else b
            for b in found
        ]


def _key_name(binding: Binding, app) -> str:
    if binding.key_display:
        return binding.key_display
    return "/".join(app.get_key_display(replace(binding, key=key)) for key in binding.key.split(","))


def help_text(screen, lang: str, extra: str = "") -> Text:
    """Every key of ``screen`` (shown in the footer or not) and the app's, grouped."""
    words = KEYS[lang]
    keys: dict[tuple[str, str], list[str]] = {}  # (group, what it does) → its keys, the screen's first
    seen: set[str] = set()
    for node in (screen, screen.app):
        for found in node._bindings.key_to_bindings.values():  # the node's copy, see localise()
            for b in found:
                name = _key_name(b, screen.app)
                if not b.description or name in seen or name.startswith("super+"):
                    continue
                seen.add(name)
                keys.setdefault((KEY_GROUPS.get(b.tooltip or "", "group_view"), b.description), []).append(name)
    groups: dict[str, list[tuple[str, str]]] = {"group_act": [], "group_view": [], "group_app": []}
    for (group, what), names in keys.items():
        groups[group].append(("/".join(names), what))
    text = Text()
    if extra:
        text.append(extra + "\n")
    width = max((cell_len(k) for keys in groups.values() for k, _ in keys), default=4) + 2
    for group, keys in groups.items():
        if not keys:
            continue
        text.append(f"\n{words[group]}\n", style="bold underline")
        for name, what in keys:
            text.append(name + " " * (width - cell_len(name)), style="bold")
            text.append(what + "\n")
    text.append(f"\n{words['help_close']}", style="dim")
    return text


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened on."""

    BINDINGS = [Binding("escape,question_mark,f1,q", "dismiss", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 64; height: auto; max-height: 90%; padding: 1 2; border: round $primary; background: $panel;
    }
    """

    def __init__(self, text: Text, lang: str):
        super().__init__()
        self.text = text
        localise(self, lang)
        self.lang = lang

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = KEYS[self.lang]["help_title"]
            yield Static(self.text)


class WithHelp:
    """Mixed into a screen: ``?`` / F1 opens the help of its keys (the screen sets ``self.lang``)."""

    lang: str
    help_extra: str = ""  # a line or two above the keys

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(help_text(self, self.lang, self.help_extra), self.lang))


#: below this width the footer drops the space around its keys (at 120 columns the case
#: screen's keys then all fit, in English too)
COMPACT_BELOW = 160


class KeysFooter(Footer):
    """Textual's footer, compact on a narrow terminal."""

    def on_resize(self, event: events.Resize) -> None:
        self.compact = self.app.size.width < COMPACT_BELOW

"""The court picker (key ``c`` of the overview): the courts the user may see, and the levels above
them (内04: a 中院 and its courts); the choice rescopes the screens."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from command_center.data.courts import CourtChoice, court_choices
from command_center.labels import OVERVIEW as LABELS
from command_center.screens.keys import localise
from command_center.screens.work import in_thread


def choice_text(lang: str, choice: CourtChoice) -> str:
    """``内04  2 个法院`` for a level, ``内0425  克什克腾旗人民法院`` for a court."""
    t = LABELS[lang]
    if not choice.code:
        return t["every_court"]
    name = choice.name or t["courts_under"].format(count=choice.courts)
    if choice.name and choice.courts > 1:  # a 中院's own code: itself and the courts below
        name += f" ({t['courts_under'].format(count=choice.courts)})"
    return f"{choice.code}  {name}"


class CourtPicker(ModalScreen[str | None]):
    """The choices (code "" is every court), the current one highlighted; returns the code
    chosen, or None when cancelled."""

    DEFAULT_CSS = """
    CourtPicker { align: center middle; }
    CourtPicker > Vertical {
        width: 64; height: auto; max-height: 90%; padding: 1 2; border: round $primary; background: $panel;
    }
    CourtPicker OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, choices: list[CourtChoice], current: str | None, lang: str):
        super().__init__()
        self.choices = choices
        self.current = current or ""
        self.lang = lang
        localise(self, lang)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(LABELS[self.lang]["pick_title"], classes="form-title")
            yield OptionList(*[Option(choice_text(self.lang, c), id=c.code) for c in self.choices], id="courts")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        codes = [c.code for c in self.choices]
        options.highlighted = codes.index(self.current) if self.current in codes else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or "")

    def action_cancel(self) -> None:
        self.dismiss(None)


def pick_court(screen, failed=None) -> None:
    """Open the picker over ``screen`` with the courts the logged-in user may see (every court,
    and "every court" itself, for a user without a court code, or nobody logged in); the
    choice rescopes the app's screens (``app.choose_court``)."""
    app = screen.app
    who = getattr(app, "actor", None)
    user_code = who.court_code if who is not None else None

    def read() -> list[CourtChoice]:
        choices = court_choices(app.runtime.database(), user_code)
        return ([CourtChoice("", "", 0)] if user_code is None else []) + choices

    def ask(choices: list[CourtChoice]) -> None:
        app.push_screen(CourtPicker(choices, getattr(app, "court_code", None), screen.lang), chosen)

    def chosen(code: str | None) -> None:
        if code is not None and callable(getattr(app, "choose_court", None)):
            app.choose_court(code)

    in_thread(screen, read, ask, group="court-picker", failed=failed)

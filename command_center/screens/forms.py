"""Modal forms: the login, a yes/no confirmation, and the one form every action uses.

A form returns its values (or ``None`` when cancelled with Escape); the screen that opened
it does the write in a worker and shows the data layer's refusal, if any, as a notification,
so a form never half-writes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from command_center.clock import Clock
from command_center.data.access import Actor
from command_center.data.engine import Database
from command_center.data.users import LoginFailed, authenticate
from command_center.data.workcal import TZ
from command_center.labels import FORMS as TEXT
from command_center.screens.keys import localise
from command_center.screens.work import first_line, in_thread

FORM_CSS = """
FormScreen, LoginScreen, ConfirmScreen { align: center middle; }
FormScreen > Vertical, LoginScreen > Vertical, ConfirmScreen > Vertical {
    width: 72; height: auto; max-height: 90%; padding: 1 2; border: round $primary; background: $panel;
}
.form-title { text-style: bold; margin-bottom: 1; }
.form-label { margin-top: 1; color: $text-muted; }
.form-error { color: $error; margin-top: 1; }
.form-buttons { height: auto; margin-top: 1; align-horizontal: right; }
.form-buttons Button { margin-left: 1; }
"""


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: str = ""
    placeholder: str = ""
    choices: tuple[tuple[str, object], ...] = ()  # a Select when given: (label, value)
    required: bool = True
    password: bool = False
    #: what is wrong with a value (None: nothing), said in the form, which keeps what was typed
    check: Callable[[str], str | None] | None = None


class FormScreen(ModalScreen[dict | None]):
    """Fields, OK and Cancel; Enter in the last field submits, Escape cancels."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, title: str, fields: list[Field], *, lang: str = "zh", note: str = ""):
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.note = note
        self.t = TEXT[lang]
        localise(self, lang)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.form_title, classes="form-title")
            if self.note:
                yield Static(self.note)
            for f in self.fields:
                yield Label(f.label, classes="form-label")
                if f.choices:
                    yield Select(
                        list(f.choices),
                        value=f.value if f.value != "" else Select.NULL,
                        id=f"f-{f.key}",
                        allow_blank=not f.required,
                        prompt=self.t["any"],
                    )
                else:
                    yield Input(value=f.value, placeholder=f.placeholder, password=f.password, id=f"f-{f.key}")
            yield Static("", classes="form-error", id="form-error")
            with Horizontal(classes="form-buttons"):
                yield Button(self.t["ok"], variant="primary", id="ok")
                yield Button(self.t["cancel"], id="cancel")

    def values(self) -> dict:
        found = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.key}")
            value = widget.value
            found[f.key] = None if value is Select.NULL else (value.strip() if isinstance(value, str) else value)
        return found

    def submit(self) -> None:
        values = self.values()
        missing = [f.label for f in self.fields if f.required and values[f.key] in (None, "")]
        if missing:
            self.query_one("#form-error", Static).update(self.t["required"].format(field=missing[0]))
            return
        for f in self.fields:
            problem = f.check(values[f.key]) if f.check and values[f.key] not in (None, "") else None
            if problem:
                self.query_one("#form-error", Static).update(f"{f.label.split(' (')[0]}: {problem}")
                self.query_one(f"#f-{f.key}").focus()
                return
        self.dismiss(values)

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        if event.input is inputs[-1]:
            self.submit()
        else:
            self.focus_next()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.submit()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = FORM_CSS
    BINDINGS = [Binding("y", "answer(True)", "yes"), Binding("n,escape", "answer(False)", "no")]

    def __init__(self, question: str, *, lang: str = "zh"):
        super().__init__()
        self.question = question
        self.t = TEXT[lang]
        localise(self, lang)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, classes="form-title")
            with Horizontal(classes="form-buttons"):
                yield Button(self.t["yes"], variant="primary", id="yes")
                yield Button(self.t["no"], id="no")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class LoginScreen(ModalScreen[Actor | None]):
    """Officer id and password, checked against the salted hash in a worker (scrypt is slow
    on purpose); Escape goes on read only, with personal names masked."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = [Binding("escape", "skip", "read_only")]

    def __init__(self, database: Database, *, lang: str = "zh", clock: Clock | None = None):
        super().__init__()
        self.database = database
        self.clock = clock or Clock()
        self.t = TEXT[lang]
        localise(self, lang)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.t["login_title"], classes="form-title")
            yield Label(self.t["login_id"], classes="form-label")
            yield Input(id="login")
            yield Label(self.t["password"], classes="form-label")
            yield Input(password=True, id="password")
            yield Static("", classes="form-error", id="form-error")
            with Horizontal(classes="form-buttons"):
                yield Button(self.t["login"], variant="primary", id="ok")
                yield Button(self.t["skip"], id="cancel")

    @on(Input.Submitted, "#login")
    def _next(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        login = self.query_one("#login", Input).value.strip()
        if not login:
            self.query_one("#login", Input).focus()
            return
        self.query_one("#form-error", Static).update(self.t["checking"])
        self.check(login, self.query_one("#password", Input).value)

    def check(self, login: str, password: str) -> None:
        in_thread(
            self,
            lambda: authenticate(self.database, login, password, self.clock.now()),
            self.dismiss,
            group="login",
            failed=self._failed,
            describe=self._why,
        )

    def _why(self, exc: BaseException) -> str:
        if isinstance(exc, LoginFailed):
            if exc.until is None:
                return self.t["login_failed"]
            return self.t["login_locked"].format(at=f"{exc.until.astimezone(TZ):%H:%M:%S}")
        return first_line(exc)

    def _failed(self, message: str) -> None:
        self.query_one("#form-error", Static).update(message)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()

    @on(Button.Pressed, "#cancel")
    def action_skip(self) -> None:
        self.dismiss(None)

"""The Textual application: a thin shell that wires the runtime to the screens."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from command_center.runtime import Runtime
from command_center.screens.overview import OverviewScreen

TITLES = {"zh": "执行指挥中心", "en": "Enforcement Command Centre"}


class CommandCenterApp(App[None]):
    BINDINGS = [Binding("q", "quit", "退出 Quit")]

    def __init__(self, runtime: Runtime):
        super().__init__()
        self.runtime = runtime
        self.title = f"{TITLES[runtime.lang]} · {runtime.settings.court_name}"

    def on_mount(self) -> None:
        self.push_screen(OverviewScreen(self.runtime))


def make_app(runtime: Runtime) -> CommandCenterApp:
    """The one factory the CLI and the tests share."""
    return CommandCenterApp(runtime)

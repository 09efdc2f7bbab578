"""The Textual application: a thin shell that wires the runtime to the screens."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen

from command_center.data.access import Actor
from command_center.data.brief import Period
from command_center.data.courts import courts_under, scope_code
from command_center.jobs.scheduler import Scheduler
from command_center.labels import APP_LOGGED_IN as LOGGED_IN
from command_center.labels import APP_LOGGED_OUT as LOGGED_OUT
from command_center.labels import APP_TITLES as TITLES
from command_center.labels import ROLES, SYSTEM_COMMANDS
from command_center.runtime import Runtime
from command_center.screens.brief import BriefScreen
from command_center.screens.forms import LoginScreen
from command_center.screens.keys import localise
from command_center.screens.overview import OverviewScreen
from command_center.screens.palette import CaseProvider, LocalPalette
from command_center.screens.wall import WallScreen
from command_center.screens.wall_reader import FeedReader

SWITCH_INTERVAL = 0.001  # seconds
#: how often a served tab looks at the feed file (a stat while it is unchanged)
FEED_SECONDS = 1.0
#: how often a served tab checks that serve, its parent, still runs
PARENT_SECONDS = 2.0


class CommandCenterApp(App[None]):
    BINDINGS = [Binding("q", "quit", "quit")]
    COMMANDS = App.COMMANDS | {CaseProvider}

    def __init__(
        self,
        runtime: Runtime,
        scheduler: Scheduler | None = None,
        *,
        start: str = "overview",
        wall_interval: float = 10.0,
        period: Period | None = None,
        ask_login: bool = True,
    ):
        super().__init__()
        self.runtime = runtime
        #: the operator logged in (None: read only, personal names masked)
        self.actor: Actor | None = None
        self.ask_login = ask_login and start == "overview"
        self.scheduler = scheduler
        self.start = start
        self.wall_interval = wall_interval
        self.period = period
        #: the court code chosen with the court picker ("": every court the user may see; None:
        #: ``--court``'s, else the user's)
        self.chosen_court: str | None = None
        self._scope: tuple[str | None, frozenset[int] | None] | None = None
        self.title = f"{TITLES[runtime.lang]} · {runtime.settings.court_name}"
        localise(self, runtime.lang)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands of the palette, in the UI's language."""
        words = SYSTEM_COMMANDS[self.runtime.lang]
        for command in super().get_system_commands(screen):
            title, help_text = words.get(command.title, (command.title, command.help))
            yield command._replace(title=title, help=help_text)

    def on_mount(self) -> None:
        # The screens read the database in thread workers, one statement after another.  Each
        # time a statement returns, its thread waits for the GIL while the UI thread renders,
        # up to the switch interval (5 ms by default): a dozen statements per wall refresh
        # made that 40 ms of the median and most of its tail.
        sys.setswitchinterval(SWITCH_INTERVAL)
        if self.start == "wall":
            self.push_screen(self.wall_screen())
        elif self.start == "brief":
            self.push_screen(BriefScreen(self.runtime, self.period))
        else:
            self.push_screen(OverviewScreen(self.runtime))
            if self.ask_login:
                self.action_login()
        if self.scheduler is not None:
            self.scheduler.on_run = self._job_done
            self.scheduler.start()  # background threads: the UI never waits on a job

    def wall_screen(self) -> WallScreen:
        return WallScreen(self.runtime, interval=self.wall_interval)

    @property
    def court_code(self) -> str | None:
        """The court code the screens show: the picker's choice, else ``--court``'s, within the
        logged-in user's court code (a basic court's officer sees their court only), else the
        user's code; None: every court."""
        user_code = self.actor.court_code if self.actor is not None else None
        requested = self.runtime.court if self.chosen_court is None else self.chosen_court
        return scope_code(requested, user_code)

    def courts(self) -> frozenset[int] | None:
        """The ids of the courts :attr:`court_code` covers (None: every court); read once per code."""
        code = self.court_code
        cached = self._scope
        if cached is not None and cached[0] == code:
            return cached[1]
        found = None if code is None else courts_under(self.runtime.database(), code)
        self._scope = (code, found)
        return found

    def choose_court(self, code: str | None) -> None:
        """The court picker's choice ("": every court the user may see): the screens rescope."""
        self.chosen_court = code
        rescoped = getattr(self.screen, "rescoped", None)
        if callable(rescoped):
            rescoped()
        else:
            self.data_changed()

    def on_unmount(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop(wait=False)

    def _job_done(self, job_id: str, _result) -> None:
        """From a scheduler thread: after a recompute, the screen reloads its figures."""
        if job_id == "recompute" and self.is_running:
            self.call_from_thread(self.data_changed)

    def action_login(self) -> None:
        if isinstance(self.screen, LoginScreen):
            return
        self.push_screen(
            LoginScreen(self.runtime.database(), lang=self.runtime.lang, clock=self.runtime.clock), self._logged_in
        )

    def action_command_palette(self) -> None:
        """Textual's palette, its sentences in the UI's language."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(LocalPalette(self.runtime.lang))

    def _logged_in(self, who: Actor | None) -> None:
        if who is None:
            if self.actor is not None:  # Esc at the login is "read only, names masked": a logout
                self._log_out()
            return
        self.actor = who
        lang = self.runtime.lang
        self.sub_title = LOGGED_IN[lang].format(login=who.login, role=ROLES[lang].get(who.role, who.role))
        self.data_changed()  # names are unmasked now
        if who.role != "wall" and isinstance(self.screen, OverviewScreen):
            self.action_open_queue()  # the first thing after login from the overview: 我的待办

    def _log_out(self) -> None:
        """Nobody logged in any more: the screens opened under the login (a case, my queue, a
        list with names) are closed, the first screen reloads with the names masked."""
        login, self.actor = self.actor.login, None
        self.chosen_court = None  # the next person starts from the default scope, not the last user's pick
        while len(self.screen_stack) > 2:  # Textual's default screen, then the first one pushed
            self.pop_screen()
        self.sub_title = ""
        self.notify(LOGGED_OUT[self.runtime.lang].format(login=login))
        self.data_changed()

    def action_open_queue(self) -> None:
        from command_center.screens.queue import QueueScreen

        if self.actor is None:
            self.action_login()
        elif not isinstance(self.screen, QueueScreen):
            self.push_screen(QueueScreen(self.runtime))

    def open_case(self, case_id: int) -> None:
        from command_center.screens.case import CaseScreen

        self.push_screen(CaseScreen(self.runtime, case_id))

    def data_changed(self) -> None:
        reload = getattr(self.screen, "load", None)
        if callable(reload):
            reload()

    def pop_screen(self):
        """Back to the screen below, read again: what was done on the screen above (a login, a
        case reassigned or unlocked) shows at once, not after ``r``.  Not after a dialog (the
        login, a form): its own callback reloads what it changed."""
        popped = self.screen
        done = super().pop_screen()
        if not isinstance(popped, ModalScreen):
            self.call_later(self.data_changed)
        return done


class ServedWallApp(CommandCenterApp):
    """One browser tab of ``command-center serve``: the wall, read only and masked.

    It reads the serve process's feed, never the database (no reader, no listener, no
    scheduler per tab).  Nobody logs in at a browser tab: there is no login, no command
    palette (its case search), no case screen, and no key ends it (closing the tab does);
    the wall masks names as it does for anyone not logged in."""

    ENABLE_COMMAND_PALETTE = False
    COMMANDS: ClassVar[set] = set()
    #: what a tab may not do, whichever key or click asks
    REFUSED = frozenset({"quit", "login", "command_palette", "open_queue"})

    def __init__(
        self,
        runtime: Runtime,
        feed: Path,
        *,
        interval: float = FEED_SECONDS,
        stale_after: float = 30.0,
        serve_pid: int | None = None,
    ):
        super().__init__(runtime, None, start="wall", wall_interval=interval, ask_login=False)
        self.feed = Path(feed)
        self.stale_after = stale_after
        self._serve_pid = os.getppid() if serve_pid is None else serve_pid

    def wall_screen(self) -> WallScreen:
        # serve starts this process directly (``exec``): if serve dies without closing the tab
        # (killed), the process is handed to another parent, and the tab ends instead of
        # running on, unseen, for ever
        self.set_interval(PARENT_SECONDS, self._end_without_serve)
        reader = FeedReader(self.feed, stale_after=self.stale_after, lang=self.runtime.lang)
        return WallScreen(self.runtime, interval=self.wall_interval, listen=False, reader=reader)

    def _end_without_serve(self) -> None:
        if os.getppid() != self._serve_pid:
            self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action not in self.REFUSED and super().check_action(action, parameters)

    async def action_quit(self) -> None:
        """A tab is never ended from its keys (serve ends it when the browser goes)."""

    def action_login(self) -> None:
        """Nobody logs in at a served wall."""

    def open_case(self, case_id: int) -> None:
        """A served wall opens no case."""


def make_app(
    runtime: Runtime,
    *,
    embedded_scheduler: bool = False,
    start: str = "overview",
    wall_interval: float = 10.0,
    period: Period | None = None,
    ask_login: bool = True,
) -> CommandCenterApp:
    """The one factory the CLI and the tests share.

    ``embedded_scheduler`` runs the scheduler's jobs in this process (the embedded SQLite
    mode, where one command is enough); it still takes the database lease, so a separate
    ``command-center scheduler`` on the same file stays on standby.
    """
    scheduler = None
    if embedded_scheduler:
        from command_center.jobs.lease import Lease

        scheduler = Scheduler(runtime, Lease(runtime.database(), runtime.settings.lease_seconds))
    return CommandCenterApp(
        runtime, scheduler, start=start, wall_interval=wall_interval, period=period, ask_login=ask_login
    )

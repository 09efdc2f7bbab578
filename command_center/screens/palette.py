"""The command palette's case finder (ctrl+p): part of a 案号 or of a party's name jumps to the case."""

from __future__ import annotations

import asyncio
from functools import partial

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, Hit, Hits, Provider
from textual.widgets.option_list import Option

from command_center.data.cases import find_cases
from command_center.labels import SYSTEM_COMMANDS
from command_center.screens.labels import courts_of, names_visible, shown_name


class CaseProvider(Provider):
    async def search(self, query: str) -> Hits:
        app = self.app
        if len(query.strip()) < 2:  # one character matches half the court
            return
        runtime = app.runtime
        visible = names_visible(app)
        # only the cases of the screens' courts: a basic court's officer finds their court's alone
        found = await asyncio.to_thread(
            lambda: find_cases(runtime.database(), query, viewer=app.actor, limit=20, courts=courts_of(app))
        )
        matcher = self.matcher(query)
        for case_id, case_no, party in found:
            text = f"{case_no}  {shown_name(party, visible)}"
            yield Hit(
                max(matcher.match(text), 0.5),
                matcher.highlight(text),
                partial(app.open_case, case_id),
                help=SYSTEM_COMMANDS[runtime.lang]["open_case"],
            )


class LocalPalette(CommandPalette):
    """Textual's command palette with its own two sentences (the search field's placeholder and
    "No matches found") in the screen's language; textual is pinned, so the one private method
    overridden here is the pinned version's."""

    def __init__(self, lang: str) -> None:
        super().__init__(id="--command-palette", placeholder=SYSTEM_COMMANDS[lang]["search"])
        self.no_matches = SYSTEM_COMMANDS[lang]["no_matches"]
        #: before a login a name finds nothing (a masked name is not searchable): say so
        self.no_matches_masked = SYSTEM_COMMANDS[lang]["no_matches_masked"]

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                said = self.no_matches if names_visible(self.app) else self.no_matches_masked
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(said, style="not bold")), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)

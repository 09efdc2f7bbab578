"""The command palette's case finder (ctrl+p): part of a 案号 or of a party's name jumps to the case."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import Hit, Hits, Provider

from command_center.data.cases import find_cases
from command_center.labels import SYSTEM_COMMANDS
from command_center.screens.labels import names_visible, shown_name


class CaseProvider(Provider):
    async def search(self, query: str) -> Hits:
        app = self.app
        if len(query.strip()) < 2:  # one character matches half the court
            return
        runtime = app.runtime
        visible = names_visible(app)
        found = await asyncio.to_thread(find_cases, runtime.database(), query, viewer=app.actor, limit=20)
        matcher = self.matcher(query)
        for case_id, case_no, party in found:
            text = f"{case_no}  {shown_name(party, visible)}"
            yield Hit(
                max(matcher.match(text), 0.5),
                matcher.highlight(text),
                partial(app.open_case, case_id),
                help=SYSTEM_COMMANDS[runtime.lang]["open_case"],
            )

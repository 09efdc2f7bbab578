"""Database work off the UI thread: the one way every screen reads (and writes) in a worker.

``in_thread(screen, work, done, group=…)`` runs ``work()`` in a thread worker and hands its
result to ``done`` on the UI thread, or the first line of its error to ``failed`` (default:
an error notification), so no screen waits on the database and none crashes on its errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

T = TypeVar("T")


def first_line(exc: BaseException) -> str:
    """What a user is shown of an error: its first line, or its type when it has no text."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def in_thread(
    node: DOMNode,
    work: Callable[[], T],
    done: Callable[[T], object],
    *,
    group: str,
    failed: Callable[[str], object] | None = None,
    errors: type[BaseException] | tuple = Exception,
    exclusive: bool = True,
    describe: Callable[[BaseException], str] = first_line,
) -> Worker:
    """Run ``work`` in a thread worker of ``node``; ``done(result)`` or ``failed(message)`` on the UI thread.

    ``errors``: the exceptions shown to the user (others end the worker as errors do in Textual);
    ``exclusive``: a new call cancels the group's running one (a reload), else they queue (actions);
    ``describe``: the message ``failed`` gets for an error (e.g. a refusal in the screen's language)."""
    app = node.app

    def job() -> None:
        try:
            result = work()
        except errors as exc:
            app.call_from_thread(
                failed or (lambda message: app.notify(message, severity="error", timeout=8)), describe(exc)
            )
            return
        app.call_from_thread(done, result)

    return node.run_worker(job, thread=True, exclusive=exclusive, group=group)

"""``command-center serve``: the wall in a browser (textual-serve), read only and masked.

textual-serve starts one app process per browser tab and relays its terminal over a
websocket to xterm.js.  Here each tab runs ``command-center serve-tab`` (hidden), the wall
of :class:`~command_center.app.ServedWallApp`, which reads the feed file of this process's
one :class:`~command_center.data.wall_feed.WallFeed` and never the database: ten tabs are
one reader.  Ctrl+C (or SIGTERM) closes every tab's websocket, which ends its process, then
stops the feed and removes its file.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import socket
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from command_center.cli.group import cli, runtime_of
from command_center.config import ConfigError, split_address
from command_center.labels import APP_TITLES, WALL, say
from command_center.runtime import Runtime

PAGE = Path(__file__).with_name("page")
FEED_FILE = "wall.feed"


def stale_after(wall_seconds: int) -> float:
    """Seconds without a heartbeat of the feed after which a tab shows its figures as stale:
    three missed reads, and never less than half a minute (a long read is not an outage)."""
    return float(max(30, 3 * wall_seconds))


def tab_command(runtime: Runtime, feed: Path) -> str:
    """The shell command textual-serve runs for each tab.  No ``--db``: a tab never opens the
    database (and a PostgreSQL password stays off the process list)."""
    settings = runtime.settings
    words = [sys.executable, "-m", "command_center", "--lang", settings.lang]
    if settings.config_path is not None:
        words += ["--config", str(settings.config_path)]
    if runtime.clock.fixed is not None:
        words += ["--now", runtime.clock.fixed.isoformat()]
    words += ["serve-tab", "--feed", str(feed), "--stale-after", str(stale_after(settings.wall_seconds))]
    words += ["--serve-pid", str(os.getpid())]
    return "exec " + shlex.join(words)  # the shell textual-serve starts becomes the tab: serve is its parent


def _server(command: str, host: str, port: int, lang: str, court: str):
    """A textual-serve server that serves our page, prints our line, and closes every tab on exit."""
    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, to_int

    class WallServer(Server):
        def __init__(self) -> None:
            super().__init__(command, host=host, port=port, title=f"{court} · {APP_TITLES[lang]}", templates_path=PAGE)
            self.sockets: set[web.WebSocketResponse] = set()

        def initialize_logging(self) -> None:
            logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

        async def on_startup(self, app: web.Application) -> None:
            shown = socket.gethostname() if host in ("0.0.0.0", "::") else host  # every interface: this machine's name
            shown = f"[{shown}]" if ":" in shown else shown
            click.echo(say(lang, "serving", url=f"http://{shown}:{port}/"))

        async def on_shutdown(self, app: web.Application) -> None:
            # a tab's websocket never closes by itself: close them so that their processes end
            for tab in list(self.sockets):
                await tab.close()

        @aiohttp_jinja2.template("wall.html")
        async def handle_index(self, request: web.Request) -> dict[str, Any]:
            # the addresses come from the request, so the page works under whatever name or
            # address the browser used (textual-serve would write the bind address, 0.0.0.0)
            base = f"{request.scheme}://{request.host}"
            words = WALL[lang]
            return {
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": ("wss" if request.scheme == "https" else "ws") + f"://{request.host}/ws",
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {
                    "name": self.title,
                    "start": words["page_start"],
                    "ended": words["page_ended"],
                    "restart": words["page_restart"],
                },
            }

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            socket = web.WebSocketResponse(heartbeat=15)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            service = None
            self.sockets.add(socket)
            try:
                await socket.prepare(request)
                service = AppService(
                    self.command,
                    write_bytes=socket.send_bytes,
                    write_str=socket.send_str,
                    close=socket.close,
                    download_manager=self.download_manager,
                )
                await service.start(width, height)
                await self._process_messages(socket, service)
            finally:
                self.sockets.discard(socket)
                if service is not None:
                    await service.stop()  # asks the tab's app to quit and waits for it
            return socket

    return WallServer()


@cli.command()
@click.option("--host", help="Address to listen on (default: serve_address's, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default: serve_address's, 8000).")
@click.option(
    "--lang", "wall_lang", type=click.Choice(["zh", "en"]), help="Language of the labels (same as the global --lang)."
)
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, wall_lang: str | None) -> None:
    """The wall in a browser: serves the wall display, read only and names masked, to any
    number of browser tabs, which share one reader of the database."""
    from command_center.data import engine as db_engine
    from command_center.data.wall_feed import WallFeed
    from command_center.screens.wall_reader import WallReader

    runtime = runtime_of(ctx)
    if wall_lang:
        runtime.settings = replace(runtime.settings, lang=wall_lang)
    settings = runtime.settings
    try:
        default_host, default_port = split_address(settings.serve_address)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        runtime.read_database()  # a wrong URL or schema fails with one line before anything is served
        runtime.courts()  # and an unknown --court
    except db_engine.DatabaseUnreachable:
        pass  # a PostgreSQL server not up yet: the tabs show the red banner until it is
    folder = Path(tempfile.mkdtemp(prefix="command-center-serve-"))  # 0700, this user's only
    feed_path = folder / FEED_FILE
    # the feed's own thread reads: this process renders nothing for the reads to wait on, and a
    # reader process would outlive a serve that is killed outright
    reader = WallReader(runtime, separate=False)
    # a standby (read_db) gets no NOTIFY: the feed reads it on its interval only
    feed = WallFeed(
        feed_path,
        lambda: reader.read(runtime.clock.now(), courts=runtime.courts()),  # --court's courts (None: all)
        interval=settings.wall_seconds,
        db_url=None if runtime.reads_replica else settings.db,
    )
    feed.start()
    host, port = host or default_host, port or default_port
    try:
        _server(tab_command(runtime, feed_path), host, port, settings.lang, settings.court_name).serve()
    except OSError as exc:  # the port is taken, the address is not this machine's, no permission
        message = say(settings.lang, "serve_cannot_listen", host=host, port=port, error=exc.strerror or exc)
        raise click.ClickException(message) from None
    finally:
        feed.stop()
        reader.close()
        shutil.rmtree(folder, ignore_errors=True)
    click.echo(say(settings.lang, "serve_stopped"))


@cli.command("serve-tab", hidden=True)
@click.option("--feed", "feed_path", required=True, type=click.Path(path_type=Path), help="The feed file of serve.")
@click.option("--stale-after", type=float, default=30.0, help="Seconds without a feed update before it is stale.")
@click.option("--serve-pid", type=int, default=None, help="The serve process; the tab ends when it is not its parent.")
@click.pass_context
def serve_tab(ctx: click.Context, feed_path: Path, stale_after: float, serve_pid: int | None) -> None:
    """One browser tab of ``serve`` (started by it): the read-only wall, fed by its feed file."""
    from command_center.app import ServedWallApp

    # serve's pid comes from serve itself, not from getppid() once the app has mounted: serve
    # killed while this tab was still starting would otherwise leave it running, unseen
    serve_pid = os.getppid() if serve_pid is None else serve_pid
    if os.getppid() != serve_pid:
        return
    ServedWallApp(runtime_of(ctx), feed_path, stale_after=stale_after, serve_pid=serve_pid).run()

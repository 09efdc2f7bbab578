"""``command-center serve``: the wall in a browser, read only and masked, every tab fed by one reader.

The in-process tests drive :class:`ServedWallApp` (one browser tab's app) with Pilot against
a feed; the last one runs the real thing: ``serve`` as a process, and Debian's headless
chromium opening its page.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select
from textual.command import CommandPalette
from textual.widgets import Static

from command_center.app import ServedWallApp
from command_center.clock import Clock
from command_center.config import ConfigError, Settings, load_settings, split_address
from command_center.data import models as m
from command_center.data.demo import generate
from command_center.data.indicators import indicators
from command_center.data.wall import wall_data
from command_center.data.wall_feed import FeedState, WallFeed, publish
from command_center.jobs.recompute import recompute
from command_center.runtime import Runtime
from command_center.screens.forms import LoginScreen
from command_center.screens.wall import WallScreen
from command_center.widgets.wall_widgets import PagedTable
from tests.conftest import IN_CI, NOW

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "wall-in-a-browser.png"
DEADLINE = 120.0  # seconds: a loaded 2-core CI machine starting chromium and a Python per tab


def _court(url: str, cases: int = 300) -> Runtime:
    rt = Runtime.start(Settings(db=url), Clock(NOW))
    database = rt.database()
    generate(database, rt.catalogue, rt.calendar, cases=cases, seed=7, now=NOW, court_name="示范人民法院")
    recompute(database, rt.catalogue, rt.calendar, NOW)
    return rt


def _tab_runtime(db_url: str, opened: list[str]) -> Runtime:
    """A tab's runtime, which records any attempt to open the database (a tab never should)."""
    rt = Runtime.start(Settings(db=db_url), Clock(NOW))

    def database(**_):
        opened.append("tab opened the database")
        raise AssertionError("a served tab opened the database")

    rt.database = database  # type: ignore[method-assign]
    return rt


async def _until(pilot, condition: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    """Let the app run until ``condition()`` holds (a deadline, not a fixed wait)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


def _red_title(screen) -> str:
    return screen.query_one("#panel-red").border_title or ""


def _shows_figures(screen) -> bool:
    return screen.refreshed_at is not None and " 件" in _red_title(screen)


async def test_tabs_share_one_reader(db_url, tmp_path):
    """Three tabs against one feed: every tab shows the indicators, no tab opens the database,
    and the database is read by the feed alone (its reads, whatever the number of tabs)."""
    rt = _court(db_url)
    expected = indicators(rt.database(), rt.rules(NOW))
    reads: list[float] = []

    def read():
        reads.append(time.monotonic())
        return wall_data(rt.database(), rt.rules(NOW))

    feed = WallFeed(tmp_path / "feed" / "wall.feed", read, interval=0.2, db_url=db_url)
    feed.start()
    opened: list[str] = []
    apps = [ServedWallApp(_tab_runtime(db_url, opened), feed.path, interval=0.05, stale_after=30) for _ in range(3)]
    try:
        async with apps[0].run_test(size=(200, 50)) as p0, apps[1].run_test(size=(160, 45)) as p1:
            async with apps[2].run_test(size=(120, 35)) as p2:
                for app, pilot in zip(apps, (p0, p1, p2), strict=True):
                    await _until(pilot, lambda app=app: _shows_figures(app.screen), "a tab's figures")
                # the tabs poll twenty times a second for a second: still only the feed reads
                started = len(reads)
                await _until(p2, lambda: len(reads) >= started + 5, "five more reads of the feed")
                for app in apps:
                    screen = app.screen
                    assert isinstance(screen, WallScreen)
                    assert _red_title(screen).startswith(f"红灯 {expected.lights.red:,} 件")
                    assert not screen.query_one("#stale", Static).display
    finally:
        feed.stop()
        rt.close()
    assert opened == []
    assert len(reads) == feed.reads  # every read of the database was the feed's
    assert feed.reads < 60  # ~0.2 s apart over the test: not one per tab poll (3 tabs x 20/s)
    assert not feed.path.exists()  # stopping the feed removes its file


async def test_an_outage_and_a_stopped_feed_show_as_stale(sqlite_url, tmp_path):
    """The database down (the feed publishes its error): the last figures stay under the red
    banner; the feed stopped (its heartbeat old): the banner says since when; no feed yet: it says so."""
    rt = _court(sqlite_url, cases=80)
    data = wall_data(rt.database(), rt.rules(NOW))
    rt.close()
    path = tmp_path / "wall.feed"
    app = ServedWallApp(_tab_runtime(sqlite_url, []), path, interval=0.05, stale_after=30)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = app.screen
        banner = screen.query_one("#stale", Static)
        await _until(pilot, lambda: banner.display, "the banner of a missing feed")
        assert "墙屏数据源尚未启动" in str(banner.render())
        publish(path, FeedState(data, None, time.monotonic(), 1))
        await _until(pilot, lambda: _shows_figures(screen) and not banner.display, "the figures")
        good = _red_title(screen)
        publish(path, FeedState(data, "connection refused", time.monotonic(), 2))
        await _until(pilot, lambda: banner.display, "the outage banner")
        assert "以下为 2026-11-20 10:00:00 的数据" in str(banner.render())
        assert "connection refused" in str(banner.render())
        assert _red_title(screen) == good  # the last figures stay up
        assert "数据库断开" in str(screen.query_one("#titlebar", Static).render())
        publish(path, FeedState(data, None, time.monotonic(), 3))
        await _until(pilot, lambda: not banner.display, "the recovery")
        publish(path, FeedState(data, None, time.monotonic() - 95, 4))  # the feed's last beat 95 s ago
        await _until(pilot, lambda: banner.display, "the stopped-feed banner")
        assert re.search(r"墙屏数据源已 9\d 秒未更新", str(banner.render()))
        assert _red_title(screen) == good


async def test_the_served_wall_is_read_only_and_masked(sqlite_url, tmp_path):
    """No key of a tab opens a login, the command palette, a case or a case list, or ends the
    tab; and no party's or officer's name appears unmasked anywhere on it."""
    rt = _court(sqlite_url, cases=300)
    data = wall_data(rt.database(), rt.rules(NOW))
    with rt.database().engine.connect() as conn:
        names = set(conn.execute(select(m.Party.name)).scalars())
        officers = set(conn.execute(select(m.Officer.name)).scalars())
    rt.close()
    path = tmp_path / "wall.feed"
    publish(path, FeedState(data, None, time.monotonic(), 1))
    app = ServedWallApp(_tab_runtime(sqlite_url, []), path, interval=0.05, stale_after=30)
    async with app.run_test(size=(300, 80)) as pilot:
        screen = app.screen
        await _until(pilot, lambda: _shows_figures(screen), "the figures")
        for key in ("l", "ctrl+p", "q", "ctrl+q", "ctrl+c", "enter", "1", "slash", "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and app.screen is screen, key
            assert not any(isinstance(s, (LoginScreen, CommandPalette)) for s in app.screen_stack), key
        app.action_command_palette()
        app.action_login()
        app.open_case(1)
        await pilot.pause()
        assert app.screen is screen and len(app.screen_stack) == 2  # Textual's default screen, then the wall
        # every row of every list (not only the page shown), the ticker and the titles
        shown = [str(cell) for table in screen.query(PagedTable) for row in table.rows for cell in row]
        shown += [str(widget.render()) for widget in screen.query(Static)]
        shown += [str(node.border_title) for node in screen.query(".panel")]
        debtors = [str(row[1]) for row in screen.query_one("#list-red", PagedTable).rows]
        assert debtors and all("*" in debtor for debtor in debtors)
        shown_officers = [str(row[3]) for row in screen.query_one("#list-red", PagedTable).rows]
        assert shown_officers and all("*" in officer for officer in shown_officers)  # staff too, as on the duty line
        text = "\n".join(shown)
        assert not [name for name in names | officers if name in text]


def test_serve_says_in_one_line_when_it_cannot_listen(sqlite_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from command_center.cli import cli

    _court(sqlite_url, cases=20).close()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--db", sqlite_url, "--lang", "en", "serve", "--port", str(port)], env={})
    assert result.exit_code == 1
    assert f"cannot serve the wall on 127.0.0.1:{port}: " in result.output
    assert not list(tmp_path.glob("command-center-serve-*"))  # the feed stopped and its folder went


def test_serve_address_setting(tmp_path):
    assert load_settings({"db": "sqlite://"}, environ={}).serve_address == "127.0.0.1:8000"
    settings = load_settings({"db": "sqlite://"}, environ={"COMMAND_CENTER_SERVE_ADDRESS": "0.0.0.0:8080"})
    assert split_address(settings.serve_address) == ("0.0.0.0", 8080)
    assert split_address("[::1]:9000") == ("::1", 9000)
    for wrong in ("8000", "wall:", "wall:http", "wall:70000"):
        with pytest.raises(ConfigError, match="serve_address must be host:port"):
            load_settings({"db": "sqlite://"}, environ={"COMMAND_CENTER_SERVE_ADDRESS": wrong})


# -- the real thing: serve as a process, chromium as the browser -----------------------------------
def _chromium() -> str:
    """Debian's chromium (.ci/run installs it); outside CI a machine without it skips this test."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "chromium is not installed (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(message + " (CI=true: the browser test must run)", pytrace=False)
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cli(*args: str, **kwargs) -> subprocess.CompletedProcess | subprocess.Popen:
    """The command line in a process of its own; ``temporary``: its TMPDIR (serve's feed folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMAND_CENTER_")}
    if "temporary" in kwargs:
        env["TMPDIR"] = str(kwargs.pop("temporary"))
    command = [sys.executable, "-m", "command_center", *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=DEADLINE, check=True)


def _descendants(pid: int) -> set[int]:
    """The processes under ``pid`` (its tabs' shells and apps, its reader), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class DevTools:
    """Just enough of the Chrome DevTools protocol over one page's websocket (aiohttp's client)."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.last_id = 0

    async def call(self, method: str, **params) -> dict:
        return await asyncio.wait_for(self._call(method, **params), DEADLINE)

    async def _call(self, method: str, **params) -> dict:
        self.last_id += 1
        await self.socket.send_json({"id": self.last_id, "method": method, "params": params})
        while True:
            message = await self.socket.receive_json()
            if message.get("id") == self.last_id:
                assert "error" not in message, message
                return message["result"]

    async def on(self, object_id: str, function: str, **options) -> dict:
        result = await self.call("Runtime.callFunctionOn", objectId=object_id, functionDeclaration=function, **options)
        return result["result"]


#: the page's own script keeps its xterm.js terminal in a closure; its window.onresize handler
#: closes over the bundle's modules, one of which exports xterm's Terminal class
FIND_TERMINAL_CLASS = """function () {
    return typeof this.Terminal === "function" && this.Terminal.prototype.loadAddon ? this.Terminal.prototype : null;
}"""
SCREEN_TEXT = """function () {
    if (this.length === 0) return "";
    const buffer = this[0].buffer.active, lines = [];
    for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y).translateToString(true));
    return lines.join("\\n");
}"""
#: the terminal's opacity after the next frame is drawn: 1 once it has faded in (0.3 s)
PAINTED = """new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(
    getComputedStyle(document.querySelector(".textual-terminal")).opacity
))))"""


async def _until_painted(tools: DevTools) -> None:
    """Until the page has faded its terminal in and drawn it (each look waits for a frame)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        painted = await tools.call("Runtime.evaluate", expression=PAINTED, awaitPromise=True)
        if painted["result"]["value"] == "1":
            return
        assert time.monotonic() < deadline, "the terminal never faded in"


async def _terminal_text(tools: DevTools) -> str:
    """The text of the page's terminal, from xterm.js's buffer: the terminal draws on a canvas
    (WebGL or 2D), so the DOM holds no text.  The page's script keeps its Terminal in a
    closure; DevTools reaches it anyway: ``window.onresize`` (set by that script) closes over
    the bundle's modules, one of which exports xterm's ``Terminal`` class; its prototype gives
    the live terminals (``Runtime.queryObjects``), whose ``buffer.active`` is the text shown."""
    handler = await tools.call("Runtime.evaluate", expression="window.onresize")
    if handler["result"].get("type") != "function":
        return ""
    internal = await tools.call("Runtime.getProperties", objectId=handler["result"]["objectId"], ownProperties=True)
    scopes = next(p for p in internal["internalProperties"] if p["name"] == "[[Scopes]]")
    listed = await tools.call("Runtime.getProperties", objectId=scopes["value"]["objectId"], ownProperties=True)
    for scope in listed["result"]:
        if scope["value"].get("description") != "Closure":
            continue
        names = await tools.call("Runtime.getProperties", objectId=scope["value"]["objectId"], ownProperties=True)
        for variable in names["result"]:
            if "objectId" not in variable.get("value", {}):
                continue
            prototype = await tools.on(variable["value"]["objectId"], FIND_TERMINAL_CLASS)
            if "objectId" in prototype:
                terminals = await tools.call("Runtime.queryObjects", prototypeObjectId=prototype["objectId"])
                text = await tools.on(terminals["objects"]["objectId"], SCREEN_TEXT, returnByValue=True)
                return text["value"]
    return ""


async def _open_page(session: aiohttp.ClientSession, browser_port: int, url: str) -> DevTools:
    async with session.put(f"http://127.0.0.1:{browser_port}/json/new?{url}") as response:
        target = await response.json()
    tools = DevTools(await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0))
    await tools.call("Page.enable")
    return tools


async def _wait_for_wall(tools: DevTools, expected: dict) -> str:
    """Poll the page's terminal until it shows the title line and the three lights (a deadline)."""
    deadline = time.monotonic() + DEADLINE
    text = ""
    while time.monotonic() < deadline:
        text = await _terminal_text(tools)
        counts = {tier: re.search(rf"{word} ([\d,]+) 件", text) for tier, word in LIGHT_WORDS.items()}
        if "示范人民法院 · 执行指挥中心" in text and all(counts.values()):
            return text
        await asyncio.sleep(0.2)  # the next look, not a synchronisation: the deadline decides
    raise AssertionError(f"the page never showed the wall's indicators; it showed:\n{text}")


LIGHT_WORDS = {"red": "红灯", "yellow": "黄灯", "blue": "蓝灯"}


async def test_serve_in_a_real_browser(tmp_path):
    """``serve`` against a demo database, two tabs of headless chromium on it: each shows the
    court's title line and the red, yellow and blue counts of ``indicators --json``; the
    screenshot is saved (``UPDATE_SCREENSHOT=1`` also writes the README's); Ctrl+C (SIGINT)
    stops serve, the tabs' processes and the feed (its folder gone)."""
    browser = _chromium()
    db = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    now = ("--now", "2026-11-20T10:00")
    _cli("--db", db, *now, "demo", "--cases", "300")
    _cli("--db", db, *now, "recompute")  # the alerts, whose responses the lists show
    expected = json.loads(_cli("--db", db, *now, "indicators", "--json").stdout)
    port = _free_port()
    serve = _cli("--db", db, *now, "serve", "--port", str(port), background=True, temporary=tmp_path)
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    chromium = subprocess.Popen(
        [
            browser,
            "--headless=new",
            "--no-sandbox",  # root in a container: chromium's sandbox needs user namespaces
            "--disable-gpu",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1600,1000",
            "--hide-scrollbars",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # the browser runs on the real clock (.ci/run's second pass preloads libfaketime): it is
        # the screen, not the product; serve and its tabs keep the shifted clock
        env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")},
    )
    tabs: set[int] = set()
    try:
        browser_port = await _devtools_port(Path(profile))
        page = f"http://127.0.0.1:{port}/"
        async with aiohttp.ClientSession() as session:
            await _until_served(session, page, serve)
            first = await _open_page(session, browser_port, page)
            second = await _open_page(session, browser_port, page)
            for tools in (first, second):
                text = await _wait_for_wall(tools, expected)
                assert text.splitlines()[0].strip().startswith("示范人民法院 · 执行指挥中心   2026-11-20 10:00:00")
                for tier, word in LIGHT_WORDS.items():
                    shown = re.search(rf"{word} ([\d,]+) 件", text).group(1)
                    assert int(shown.replace(",", "")) == expected["lights"][tier], tier
                assert "数据库已连接" in text
            await first.call("Page.bringToFront")  # a tab in the background draws no frame
            await _until_painted(first)
            shot = await first.call("Page.captureScreenshot", format="png")
            png = base64.b64decode(shot["data"])
            assert png.startswith(b"\x89PNG") and len(png) > 20_000
            (tmp_path / "wall-in-a-browser.png").write_bytes(png)
            if os.environ.get("UPDATE_SCREENSHOT"):
                SCREENSHOT.parent.mkdir(exist_ok=True)
                SCREENSHOT.write_bytes(png)
            # two tabs: two app processes (each under its shell), one reader of the database
            tabs = {pid for pid in _descendants(serve.pid) if "serve-tab" in _command_line(pid)}
            assert len(tabs) >= 2
            assert not any("--db" in _command_line(pid) for pid in tabs)
            feed = list(tmp_path.glob("command-center-serve-*/wall.feed"))
            assert len(feed) == 1 and all(str(feed[0]) in _command_line(pid) for pid in tabs)
        serve.send_signal(signal.SIGINT)
        out, err = serve.communicate(timeout=DEADLINE)
        assert serve.returncode == 0, err
        assert f"墙屏已在 http://127.0.0.1:{port}/ 提供" in out and "墙屏服务已停止" in out
        assert not [pid for pid in tabs if _alive(pid)]
        assert not feed[0].parent.exists()
    finally:
        _stop(serve, chromium)


def _stop(*processes: subprocess.Popen) -> None:
    """After a failure: Ctrl+C first (serve then ends its tabs), killed if that does not do."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


async def test_a_tab_ends_when_serve_is_killed(tmp_path):
    """serve killed outright (no Ctrl+C, so it closes nothing): its tab processes end by
    themselves rather than run on unseen; a tab is opened here by a bare websocket client."""
    db = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    _cli("--db", db, "--now", "2026-11-20T10:00", "demo", "--cases", "50")
    port = _free_port()
    serve = _cli(
        "--db", db, "--now", "2026-11-20T10:00", "serve", "--port", str(port), background=True, temporary=tmp_path
    )
    try:
        async with aiohttp.ClientSession() as session:
            await _until_served(session, f"http://127.0.0.1:{port}/", serve)
            async with session.ws_connect(f"ws://127.0.0.1:{port}/ws?width=120&height=35") as tab_socket:
                deadline = time.monotonic() + DEADLINE
                tabs: set[int] = set()
                while not tabs:
                    assert time.monotonic() < deadline, "serve never started a tab"
                    await asyncio.sleep(0.1)
                    tabs = {pid for pid in _descendants(serve.pid) if "serve-tab" in _command_line(pid)}
                await tab_socket.receive(timeout=DEADLINE)  # the tab has drawn something
                serve.kill()
                serve.communicate()
                deadline = time.monotonic() + DEADLINE  # its own budget: starting the tab may have used the first
                while [pid for pid in tabs if _alive(pid)]:
                    assert time.monotonic() < deadline, "a tab outlived serve"
                    await asyncio.sleep(0.2)
    finally:
        _stop(serve)


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


async def _devtools_port(profile: Path) -> int:
    """Chromium writes its DevTools port into the profile once it listens."""
    deadline = time.monotonic() + DEADLINE
    port_file = profile / "DevToolsActivePort"
    while not port_file.exists() or not port_file.read_text().strip():
        assert time.monotonic() < deadline, "chromium never opened its DevTools port"
        await asyncio.sleep(0.1)
    return int(port_file.read_text().split()[0])


async def _until_served(session: aiohttp.ClientSession, page: str, serve: subprocess.Popen) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        assert serve.poll() is None, serve.communicate()
        try:
            async with session.get(page) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        assert time.monotonic() < deadline, "serve never answered"
        await asyncio.sleep(0.1)

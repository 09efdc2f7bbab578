"""The duty rota (值班): ``duty set``, ``duty swap`` and ``duty show``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import click
from rich.cells import cell_len

from command_center.cli.group import cli, pad, runtime_of
from command_center.cli.users import _operator
from command_center.data.duty import (
    DutyError,
    monday_of,
    on_duty,
    parse_day,
    parse_week,
    rota,
    set_week,
    swap_day,
    swap_weeks,
    week_name,
)
from command_center.labels import DUTY, WEEKDAYS


def _said(ctx: click.Context, act: Callable[[], None]) -> None:
    """Runs ``act``; a refusal of the rota is one line in the UI's language."""
    try:
        act()
    except DutyError as exc:
        raise click.ClickException(exc.say(runtime_of(ctx).lang)) from None


@cli.group()
def duty() -> None:
    """The duty rota (值班): who is on duty each week, swaps, and who is on duty today."""


@duty.command(name="set")
@click.option("--week", "week", required=True, metavar="YYYY-Www", help="The ISO week, e.g. 2026-W49.")
@click.argument("logins", nargs=-1)
@click.pass_context
def duty_set(ctx: click.Context, week: str, logins: tuple[str, ...]) -> None:
    """Put LOGINS on duty for the week, in order: the first is on duty, the next take over when
    one is disabled.  No LOGINS clears the week."""
    runtime = runtime_of(ctx)
    t = DUTY[runtime.lang]

    def act() -> None:
        monday = parse_week(week)
        set_week(runtime.database(), monday, logins, runtime.clock.now(), by=_operator())
        name = week_name(monday)
        done = t["set_done"].format(week=name, logins=" → ".join(logins)) if logins else t["cleared"].format(week=name)
        click.echo(done)

    _said(ctx, act)


@duty.command(name="swap")
@click.argument("first")
@click.argument("second")
@click.pass_context
def duty_swap(ctx: click.Context, first: str, second: str) -> None:
    """``swap DAY LOGIN``: LOGIN is on duty on DAY (e.g. 2026-12-05) instead of the rota's
    officer; ``swap WEEK WEEK``: two weeks' rotas change places (e.g. 2026-W49 2026-W50)."""
    runtime = runtime_of(ctx)
    t = DUTY[runtime.lang]

    def act() -> None:
        now, db = runtime.clock.now(), runtime.database()
        if "w" in first.lower():
            a, b = parse_week(first), parse_week(second)
            swap_weeks(db, a, b, now, by=_operator())
            click.echo(t["swapped_weeks"].format(first=week_name(a), second=week_name(b)))
            return
        if "w" in second.lower():
            raise DutyError("swap_args")
        day = parse_day(first)
        was = swap_day(db, runtime.calendar, day, second, now, by=_operator())
        click.echo(t["swapped_day"].format(day=day.isoformat(), login=second, was=was))

    _said(ctx, act)


@duty.command(name="show")
@click.option("--week", "week", metavar="YYYY-Www", help="The first week shown (default: this week).")
@click.option("--weeks", type=click.IntRange(1, 104), default=4, show_default=True, help="How many weeks.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON object).")
@click.pass_context
def duty_show(ctx: click.Context, week: str | None, weeks: int, as_json: bool) -> None:
    """Who is on duty today, and the rota of the coming weeks with their swaps."""
    runtime = runtime_of(ctx)
    lang, t = runtime.lang, DUTY[runtime.lang]

    def act() -> None:
        db, today = runtime.database(), runtime.clock.today()
        first = parse_week(week) if week else monday_of(today)
        now_on = on_duty(db, runtime.calendar, today)
        weeks_shown = rota(db, first, weeks)
        if as_json:
            out = {
                "today": {
                    "day": today.isoformat(),
                    "login": now_on.login if now_on else None,
                    "rest_day": now_on.rest_day if now_on else not runtime.calendar.is_workday(today),
                    "swapped": now_on.swapped if now_on else False,
                    "handed_over_from": list(now_on.handed_over_from) if now_on else [],
                },
                "weeks": [
                    {
                        "week": w.week,
                        "from": w.monday.isoformat(),
                        "logins": list(w.logins),
                        "swaps": [{"day": d.isoformat(), "login": login} for d, login in w.swaps],
                    }
                    for w in weeks_shown
                ],
            }
            click.echo(json.dumps(out, ensure_ascii=False, indent=2))
            return
        click.echo(t["today"].format(day=today.isoformat(), who=describe(lang, now_on)))
        header = columns_of(lang)
        rows = [
            (
                w.week,
                f"{w.monday:%m-%d}…{w.monday + timedelta(days=6):%m-%d}",
                " → ".join(w.logins) or t["nobody"],
                ", ".join(f"{d:%m-%d}({WEEKDAYS[lang][d.weekday()]}) {login}" for d, login in w.swaps),
            )
            for w in weeks_shown
        ]
        widths = [max(cell_len(h), *(cell_len(r[i]) for r in rows)) + 1 for i, h in enumerate(header)]
        click.echo("  ".join(pad(h, widths[i]) for i, h in enumerate(header)).rstrip())
        for row in rows:
            click.echo("  ".join(pad(v, widths[i]) for i, v in enumerate(row)).rstrip())

    _said(ctx, act)


def columns_of(lang: str) -> list[str]:
    return DUTY[lang]["show_header"].split("|")


def day_kind(lang: str, duty_now) -> str:
    """休息日 / 调休上班 / 工作日, as the court's calendar has the day."""
    t = DUTY[lang]
    if duty_now.rest_day:
        return t["rest_day"]
    return t["adjusted_workday"] if duty_now.reason == "adjusted_workday" else t["workday"]


def describe(lang: str, duty_now) -> str:
    """``o003 张三 (休息日, 换班)``: who is on duty and what kind of day it is, for the command line
    (names in full: the command line is the operator's)."""
    t = DUTY[lang]
    if duty_now is None:
        return t["nobody"]
    notes = [day_kind(lang, duty_now)]
    if duty_now.swapped:
        notes.append(t["swapped"])
    if duty_now.handed_over_from:
        notes.append(t["handed_over"].format(login=duty_now.handed_over_from[0], to=duty_now.login))
    return f"{duty_now.login} {duty_now.name} ({', '.join(notes)})"

"""Operators and the audit trail: ``user add|passwd|disable|enable|list`` and ``audit``."""

from __future__ import annotations

import getpass
import json
import os

import click
from rich.cells import cell_len

from command_center.cli.group import cli, pad, runtime_of
from command_center.data.audit import audit_trail
from command_center.data.audit import verify as verify_chain
from command_center.data.caseno import normalise_case_no
from command_center.data.cases import case_id_by_no
from command_center.data.users import (
    ROLES,
    add_user,
    disable_user,
    edit_user,
    enable_user,
    is_active,
    list_users,
    set_password,
)
from command_center.data.workcal import TZ
from command_center.labels import AUDIT_ACTIONS, ENTITIES, audit_action, audit_actor, audit_note, say
from command_center.labels import ROLES as ROLE_WORDS

#: for scripts: the password is read from this variable instead of a prompt
PASSWORD_ENV = "COMMAND_CENTER_PASSWORD"


def _operator() -> str:
    """Who ran the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in a bare container
        return "cli"


def _password() -> str:
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    return click.prompt("密码 Password", hide_input=True, confirmation_prompt="再输入一次 Repeat")


@cli.group()
def user() -> None:
    """Manage the operators who log in to the dashboard (password from a prompt or $COMMAND_CENTER_PASSWORD)."""


@user.command(name="add")
@click.argument("login")
@click.option("--name", default="", help="Full name (default: the login).")
@click.option("--role", type=click.Choice(ROLES), default="officer", show_default=True)
@click.option("--team", metavar="NAME", help="The officer's team, by name.")
@click.option("--phone", default="", help="Where the user's messages go (SMS).")
@click.option(
    "--team-leader", is_flag=True, help="团队长 of the team: owns the nodes the catalogue gives the team leader."
)
@click.option("--group", "groups", multiple=True, metavar="NAME", help="A group the user belongs to (repeat for more).")
@click.option(
    "--court",
    metavar="CODE",
    help="The court code whose courts the user acts on (内0425 one court, 内04 a 中院 and the courts below).",
)
@click.pass_context
def user_add(
    ctx: click.Context,
    login: str,
    name: str,
    role: str,
    team: str | None,
    phone: str,
    team_leader: bool,
    groups: tuple[str, ...],
    court: str | None,
) -> None:
    """Add a user with a password (at least 8 characters)."""
    runtime = runtime_of(ctx)
    add_user(
        runtime.database(),
        login,
        name,
        role,
        _password(),
        runtime.clock.now(),
        team=team,
        phone=phone,
        team_leader=team_leader,
        groups=groups,
        court=court,
        by=_operator(),
    )
    click.echo(say(runtime.lang, "user_added", login=login, role=role))


@user.command(name="edit")
@click.argument("login")
@click.option("--name", help="Full name.")
@click.option("--phone", help="Where the user's messages go (SMS); an empty value removes it.")
@click.option("--team", metavar="NAME", help="The user's team, by name (an empty value: none).")
@click.option("--team-leader/--no-team-leader", default=None, help="团队长 of the team, or no longer.")
@click.option("--group", "add_groups", multiple=True, metavar="NAME", help="Add the user to a group (repeatable).")
@click.option("--leave", "remove_groups", multiple=True, metavar="NAME", help="Take the user out of a group.")
@click.option("--court", metavar="CODE", help="The user's court code (an empty value: every court).")
@click.pass_context
def user_edit(
    ctx: click.Context,
    login: str,
    name: str | None,
    phone: str | None,
    team: str | None,
    team_leader: bool | None,
    add_groups: tuple[str, ...],
    remove_groups: tuple[str, ...],
    court: str | None,
) -> None:
    """Change a user's name, phone, team, team-leader flag, groups or court (audited)."""
    runtime = runtime_of(ctx)
    edit_user(
        runtime.database(),
        login,
        runtime.clock.now(),
        name=name,
        phone=phone,
        team=team,
        team_leader=team_leader,
        add_groups=add_groups,
        remove_groups=remove_groups,
        court=court,
        by=_operator(),
    )
    click.echo(say(runtime.lang, "user_edited", login=login))


@user.command(name="passwd")
@click.argument("login")
@click.pass_context
def user_passwd(ctx: click.Context, login: str) -> None:
    """Set a user's password."""
    runtime = runtime_of(ctx)
    set_password(runtime.database(), login, _password(), runtime.clock.now(), by=_operator())
    click.echo(say(runtime.lang, "password_changed", login=login))
    if not is_active(runtime.database(), login):
        click.echo(say(runtime.lang, "still_disabled", login=login))


@user.command(name="disable")
@click.argument("login")
@click.pass_context
def user_disable(ctx: click.Context, login: str) -> None:
    """Disable a user: the login is refused from now on (history keeps the name)."""
    runtime = runtime_of(ctx)
    disable_user(runtime.database(), login, runtime.clock.now(), by=_operator())
    click.echo(say(runtime.lang, "user_disabled", login=login))


@user.command(name="enable")
@click.argument("login")
@click.pass_context
def user_enable(ctx: click.Context, login: str) -> None:
    """Enable a disabled user: the login is accepted again with the user's password."""
    runtime = runtime_of(ctx)
    enable_user(runtime.database(), login, runtime.clock.now(), by=_operator())
    click.echo(say(runtime.lang, "user_enabled", login=login))


@user.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def user_list(ctx: click.Context, as_json: bool) -> None:
    """List the users, their roles and teams (never the password hashes)."""
    runtime = runtime_of(ctx)
    lang = runtime.lang
    users = list_users(runtime.database())
    if as_json:
        click.echo(json.dumps(users, ensure_ascii=False))
        return
    for u in users:
        state = "" if u["active"] else f" ({say(lang, 'user_disabled_word')})"
        password = "" if u["has_password"] else f" ({say(lang, 'user_no_password_word')})"
        leader = f" {say(lang, 'team_leader_word')}" if u["team_leader"] else ""
        groups = f" [{'、'.join(u['groups'])}]" if u["groups"] else ""
        groups += f" {say(lang, 'court_word')} {u['court']}" if u["court"] else ""
        role = ROLE_WORDS[lang].get(u["role"], u["role"])
        click.echo(
            f"{pad(u['login'], 10)}{pad(role, 9)}{pad(u['team'] or '-', 12)}{pad(u['phone'] or '-', 14)}"
            f"{u['name']}{leader}{groups}{state}{password}"
        )


@cli.command(name="audit")
@click.option("--case", "case_no", metavar="案号", help="Only this case (ASCII brackets are fine).")
@click.option("--limit", type=click.IntRange(1), help="At most this many entries (newest first).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON array).")
@click.option("--verify", is_flag=True, help="Check the whole log's hash chain; exit 1 naming the first broken link.")
@click.pass_context
def audit(ctx: click.Context, case_no: str | None, limit: int | None, as_json: bool, verify: bool) -> None:
    """Print the append-only audit trail, newest first (--verify: check that nothing in it was changed)."""
    runtime = runtime_of(ctx)
    db = runtime.database()
    if verify:
        _verify(db, runtime.lang, as_json)
        return
    case_id = case_id_by_no(db, normalise_case_no(case_no)) if case_no else None
    lines = audit_trail(db, case_id=case_id, limit=limit)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "at": a.at.astimezone(TZ).isoformat(),
                        "actor": a.actor,
                        "action": a.action,
                        "entity": a.entity,
                        "entity_id": a.entity_id,
                        "case_no": a.case_no,
                        "detail": a.detail,
                    }
                    for a in lines
                ],
                ensure_ascii=False,
            )
        )
        return
    if not lines:
        click.echo(say(runtime.lang, "no_audit"))
        return
    lang = runtime.lang
    rows = [
        (
            f"{a.at.astimezone(TZ):%Y-%m-%d %H:%M:%S}",
            audit_actor(lang, a.actor),
            audit_action(lang, a.action),
            a.case_no or "—",
            f"{ENTITIES[lang].get(a.entity, a.entity)} {a.entity_id or ''}".strip(),
            audit_note(a.detail, lang),
        )
        for a in lines
    ]
    header = AUDIT_ACTIONS[lang]["header"]
    widths = [max(cell_len(str(r[i])) for r in [header, *rows]) + 2 for i in range(5)]
    for row in [header, *rows]:
        click.echo("".join(pad(str(cell), width) for cell, width in zip(row, widths, strict=False)) + str(row[5]))


def _verify(db, lang: str, as_json: bool) -> None:
    found = verify_chain(db)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "intact": found.intact,
                    "entries": found.entries,
                    "head": found.head,
                    "broken_at": found.broken_at,
                    "reason": found.reason,
                },
                ensure_ascii=False,
            )
        )
    elif found.intact:
        click.echo(say(lang, "audit_intact", count=found.entries, head=found.head or "-"))
    if not found.intact:
        message = say(lang, "audit_broken", id=found.broken_at, count=found.entries, reason=found.reason)
        if as_json:
            raise SystemExit(1)
        raise click.ClickException(message)

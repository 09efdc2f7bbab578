"""Parties: ``party opt-out`` / ``party opt-in``, an applicant's progress messages (节点短信推送)."""

from __future__ import annotations

import click

from command_center.cli.group import cli, runtime_of
from command_center.data.access import NotAllowed, actor
from command_center.data.parties import PartyRefused, set_notify_opt_out
from command_center.labels import PARTY


@cli.group()
def party() -> None:
    """Parties of a case: whether an applicant gets progress messages (节点短信推送)."""


def _set(ctx: click.Context, case_no: str, name: str, login: str, opt_out: bool) -> None:
    runtime = runtime_of(ctx)
    db = runtime.database()
    try:
        done = set_notify_opt_out(db, actor(db, login), case_no, name, opt_out, runtime.clock.now())
    except PartyRefused as exc:
        raise click.ClickException(exc.say(runtime.lang)) from None
    except NotAllowed as exc:
        words = PARTY[runtime.lang]["not_allowed"]
        raise click.ClickException(words.format(login=exc.login or login)) from None
    words = PARTY[runtime.lang]["opted_out" if opt_out else "opted_in"]
    click.echo(words.format(case_no=done.case_no, name=name, changed=done.changed, parties=done.parties))


_AS = click.option(
    "--as", "login", required=True, metavar="LOGIN", help="The user who records it (officer, chief or admin)."
)


@party.command(name="opt-out")
@click.argument("case_no")
@click.argument("name")
@_AS
@click.pass_context
def opt_out(ctx: click.Context, case_no: str, name: str, login: str) -> None:
    """The applicant NAME of case CASE_NO gets no more progress messages (audited)."""
    _set(ctx, case_no, name, login, True)


@party.command(name="opt-in")
@click.argument("case_no")
@click.argument("name")
@_AS
@click.pass_context
def opt_in(ctx: click.Context, case_no: str, name: str, login: str) -> None:
    """The applicant NAME of case CASE_NO gets progress messages again (audited)."""
    _set(ctx, case_no, name, login, False)

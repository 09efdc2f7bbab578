"""The alert engine's commands: ``recompute``, ``alerts`` and ``indicators``."""

from __future__ import annotations

import json

import click
from rich.cells import cell_len

from command_center.cli.group import cli, pad, runtime_of
from command_center.data.alerts import ACTIVE, ALERT_STATUSES, last_recompute, list_alerts
from command_center.data.caseno import normalise_case_no
from command_center.data.indicators import indicators
from command_center.data.rules import shown_code
from command_center.jobs.recompute import recompute
from command_center.labels import ALERT_STATUSES as STATUS_WORDS
from command_center.labels import EXPLAIN, RESPONSE_STATES, RESPONSES, TIERS, columns, say

#: how far the last recompute may lag behind --now before `alerts` says so
STALE_AFTER_SECONDS = 180


@cli.command(name="recompute")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--rebuild", is_flag=True, help="Re-derive every case, not only those changed since the last recompute.")
@click.pass_context
def recompute_command(ctx: click.Context, as_json: bool, rebuild: bool) -> None:
    """Recompute every node, due date and alert now (one transaction), and print the counts."""
    runtime = runtime_of(ctx)
    result = recompute(
        runtime.database(),
        runtime.catalogue,
        runtime.calendar,
        runtime.clock.now(),
        rebuild=rebuild,
        escalate_after=runtime.settings.escalate_after_workdays,
    )
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    lang = runtime.lang
    click.echo(say(lang, "recomputed", now=result.now, seconds=result.seconds))
    for key, word in TIERS[lang].items():
        click.echo(f"  {pad(word, 10)}{result.counts.get(key, 0):>8,}")
    click.echo(
        "  "
        + say(
            lang,
            "recompute_changes",
            opened=result.opened,
            reopened=result.reopened,
            resolved=result.resolved,
            tier_changes=result.tier_changes,
            nodes_written=result.nodes_written,
            dues_changed=result.dues_changed,
            messages=result.messages,
            locked=result.locked,
            escalated=result.escalated,
        )
    )
    if result.calendar_changed:
        click.echo("  " + say(lang, "calendar_changed"))


@cli.command(name="alerts")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON array).")
@click.option("--rule", type=click.Choice(["due_soon", "overdue"]), help="Only this rule.")
@click.option("--tier", type=click.Choice(["overdue", "blue", "yellow", "red"]), help="Only this overdue tier.")
@click.option(
    "--case", "case_no", metavar="案号", help="Only this case, e.g. （2026）内0425执1号 (ASCII brackets are fine)."
)
@click.option(
    "--status",
    type=click.Choice(["active", "all", *ALERT_STATUSES]),
    default="active",
    show_default=True,
    help="active = open, acknowledged or silenced.",
)
@click.option("--limit", type=click.IntRange(1), help="At most this many (worst first).")
@click.pass_context
def alerts_command(
    ctx: click.Context,
    as_json: bool,
    rule: str | None,
    tier: str | None,
    case_no: str | None,
    status: str,
    limit: int | None,
) -> None:
    """List alerts as of the last recompute, worst first."""
    runtime = runtime_of(ctx)
    db, now = runtime.read_database(), runtime.clock.now()
    statuses = ACTIVE if status == "active" else ALERT_STATUSES if status == "all" else (status,)
    rows = list_alerts(
        db,
        now,
        rule=rule,
        tier=tier,
        case_no=normalise_case_no(case_no) if case_no else None,
        statuses=statuses,
        limit=limit,
        courts=runtime.courts(),
    )
    last = last_recompute(db)
    lang = runtime.lang
    if last is None or abs((now - last).total_seconds()) > STALE_AFTER_SECONDS:
        when = f"{last:%Y-%m-%d %H:%M}" if last else say(lang, "never")
        click.echo(say(lang, "alerts_stale", when=when), err=True)
    if as_json:
        click.echo(json.dumps([row.as_json() for row in rows], ensure_ascii=False))
        return
    t, s, r = TIERS[lang], STATUS_WORDS[lang], RESPONSES[lang]
    header = columns(lang, "alerts_header")
    widths = (10, 26, 7, 12, 13, 9, 10)
    click.echo("".join(pad(h, w) for h, w in zip(header, widths, strict=False)) + header[-1])
    today = runtime.clock.today()
    for row in rows:
        due = (row.due_date.isoformat() + ("*" if row.provisional else "")) if row.due_date else "—"
        response = ""
        if row.response_kind:
            response = f"{r[row.response_kind]} {RESPONSE_STATES[lang][row.response_state(today)]}"
        cells = (
            t[row.tier or row.rule],
            row.case_no,
            shown_code(row.node_code, lang),
            row.subject_id or "—",
            due,
            str(row.overdue_days) if row.rule == "overdue" else "",
            s[row.status],
        )
        click.echo(("".join(pad(c, w) for c, w in zip(cells, widths, strict=True)) + response).rstrip())
    legend = say(lang, "provisional_legend") if any(row.provisional for row in rows) else ""
    click.echo(say(lang, "alerts_count", count=len(rows)) + legend)


@cli.command(name="indicators")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--by-court",
    is_flag=True,
    help="One row per court (of --court's code, else every court), the worst first, and their total.",
)
@click.pass_context
def indicators_command(ctx: click.Context, as_json: bool, by_court: bool) -> None:
    """The wall's figures as of now (the same function the wall uses)."""
    runtime = runtime_of(ctx)
    courts = runtime.courts()
    if by_court:
        _court_table(runtime, courts, as_json)
        return
    data = indicators(runtime.read_database(), runtime.rules(), courts)
    if as_json:
        click.echo(json.dumps(data.as_json(), ensure_ascii=False))
        return
    lang = runtime.lang
    if courts is not None:
        click.echo(say(lang, "court_scope", code=runtime.court, count=len(courts)))
    lines = [
        (say(lang, key), value)
        for key, value in (
            ("new_cases_today", f"{data.new_cases_today:,}"),
            (
                "undisbursed",
                say(lang, "undisbursed_value", amount=data.undisbursed_amount, count=data.undisbursed_count),
            ),
            ("due_soon_nodes", f"{data.due_soon_nodes:,}"),
            ("overdue_nodes", f"{data.overdue_nodes:,}"),
            ("red", f"{data.lights.red:,}"),
            ("yellow", f"{data.lights.yellow:,}"),
            ("blue", f"{data.lights.blue:,}"),
            ("funds_3_7", f"{data.funds_3_7_overdue:,}"),
            ("funds_30", f"{data.funds_over_30_days:,}"),
            ("freezes", f"{data.freezes_expiring:,}"),
            ("seals", f"{data.seals_expiring:,}"),
            ("open_all", f"{data.open_cases:,} / {data.cases:,}"),
        )
    ]
    click.echo(say(lang, "as_of", now=data.now))
    width = max(cell_len(label) for label, _ in lines) + 2
    for label, value in lines:
        click.echo(f"  {pad(label, width)}{value}")


def _court_table(runtime, courts: frozenset[int] | None, as_json: bool) -> None:
    """``indicators --by-court``: a row per court, worst first, and the scope's total."""
    from command_center.data.courts import normalise_code
    from command_center.data.rollup import COURT_KEYS, RATES, court_table

    code = normalise_code(runtime.court) if runtime.court else ""
    table = court_table(runtime.read_database(), runtime.rules(), courts, code=code)
    if as_json:
        click.echo(json.dumps(table.as_json(), ensure_ascii=False))
        return
    lang = runtime.lang

    def shown(row, key: str) -> str:
        value = row[key]
        if value is None:
            return "—"
        return f"{value:.2%}" if key in RATES else f"{value:,}"

    header = columns(lang, "courts_header")
    body = [[r.code, r.name, *[shown(r, k) for k in COURT_KEYS]] for r in table.rows]
    body.append([say(lang, "courts_total"), code, *[shown(table.total, k) for k in COURT_KEYS]])
    widths = [max(cell_len(line[i]) for line in [header, *body]) + 2 for i in range(len(header))]
    click.echo(say(lang, "as_of", now=table.at) + "  " + say(lang, "court_period", period=table.period))
    for line in [header, *body]:
        cells = [
            pad(c, w) if i < 2 else " " * (w - 2 - cell_len(c)) + c + "  "
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        click.echo("".join(cells).rstrip())


@cli.command(name="explain")
@click.argument("case_no", metavar="案号")
@click.argument("node", metavar="NODE")
@click.argument("subject", default="", metavar="[SUBJECT]")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable: every step of the arithmetic.")
@click.pass_context
def explain_command(ctx: click.Context, case_no: str, node: str, subject: str, as_json: bool) -> None:
    """Why NODE of a case is due when it is: start, limit, each rest day rolled over by name,
    调休 working days counted, suspensions and extensions, provisional years.  SUBJECT: the fund,
    asset, account or lead id of a node that has several."""
    from command_center.data.caseno import normalise_case_no
    from command_center.data.explain import NothingToExplain, explain, lines

    runtime = runtime_of(ctx)
    try:
        found = explain(runtime.database(), runtime.rules(), normalise_case_no(case_no), node.upper(), subject)
    except NothingToExplain as exc:
        raise click.ClickException(EXPLAIN[runtime.lang][exc.key].format(**exc.values)) from None
    if as_json:
        click.echo(json.dumps(found.as_json(), ensure_ascii=False))
        return
    click.echo("\n".join(lines(found, runtime.lang)))
    if not found.agrees:
        ctx.exit(1)

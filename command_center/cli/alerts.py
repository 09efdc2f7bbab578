"""The alert engine's commands: ``recompute``, ``alerts`` and ``indicators``."""

from __future__ import annotations

import json

import click
from rich.cells import cell_len

from command_center.cli.group import cli, pad, runtime_of
from command_center.data.alerts import ACTIVE, ALERT_STATUSES, last_recompute, list_alerts
from command_center.data.caseno import normalise_case_no
from command_center.data.indicators import indicators
from command_center.data.rules import RESPONSE_LABELS, RESPONSE_STATE_LABELS, shown_code
from command_center.jobs.recompute import recompute

TIER_LABELS = {
    "zh": {"due_soon": "临期", "overdue": "超期", "blue": "蓝灯", "yellow": "黄灯", "red": "红灯"},
    "en": {"due_soon": "due soon", "overdue": "overdue", "blue": "blue", "yellow": "yellow", "red": "red"},
}
STATUS_LABELS = {
    "zh": {"open": "待处理", "acknowledged": "已认领", "silenced": "已静默", "resolved": "已解除"},
    "en": {"open": "open", "acknowledged": "acknowledged", "silenced": "silenced", "resolved": "resolved"},
}
#: how far the last recompute may lag behind --now before `alerts` says so
STALE_AFTER_SECONDS = 180


@cli.command(name="recompute")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--rebuild", is_flag=True, help="Re-derive every case, not only those changed since the last recompute.")
@click.pass_context
def recompute_command(ctx: click.Context, as_json: bool, rebuild: bool) -> None:
    """Recompute every node, due date and alert now (one transaction), and print the counts."""
    runtime = runtime_of(ctx)
    result = recompute(runtime.database(), runtime.catalogue, runtime.calendar, runtime.clock.now(), rebuild=rebuild)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    t = TIER_LABELS[runtime.lang]
    zh = runtime.lang == "zh"
    click.echo(("重算完成 " if zh else "Recomputed as of ") + f"{result.now:%Y-%m-%d %H:%M}" + (f" ({result.seconds:.2f} 秒)" if zh else f" in {result.seconds:.2f} s"))
    for key in ("due_soon", "overdue", "blue", "yellow", "red"):
        click.echo(f"  {pad(t[key], 10)}{result.counts.get(key, 0):>8,}")
    changes = (f"新增 {result.opened}, 重开 {result.reopened}, 解除 {result.resolved}, 层级变化 {result.tier_changes}, "
               f"新节点 {result.nodes_written}, 期限变化 {result.dues_changed}, 待发通知 {result.messages}, 锁死案件 {result.locked}") if zh else (
               f"opened {result.opened}, reopened {result.reopened}, resolved {result.resolved}, tier changes {result.tier_changes}, "
               f"nodes written {result.nodes_written}, due dates changed {result.dues_changed}, messages queued {result.messages}, "
               f"cases locked {result.locked}")
    click.echo("  " + changes)
    if result.calendar_changed:
        click.echo("  " + ("工作日历已变化: 全部期限已重新计算" if zh else "the working-day calendar changed: every due date was recomputed"))


@cli.command(name="alerts")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON array).")
@click.option("--rule", type=click.Choice(["due_soon", "overdue"]), help="Only this rule.")
@click.option("--tier", type=click.Choice(["overdue", "blue", "yellow", "red"]), help="Only this overdue tier.")
@click.option("--case", "case_no", metavar="案号", help="Only this case, e.g. （2026）内0425执1号 (ASCII brackets are fine).")
@click.option("--status", type=click.Choice(["active", "all", *ALERT_STATUSES]), default="active", show_default=True,
              help="active = open, acknowledged or silenced.")
@click.option("--limit", type=click.IntRange(1), help="At most this many (worst first).")
@click.pass_context
def alerts_command(ctx: click.Context, as_json: bool, rule: str | None, tier: str | None, case_no: str | None, status: str,
                   limit: int | None) -> None:
    """List alerts as of the last recompute, worst first."""
    runtime = runtime_of(ctx)
    db, now = runtime.database(), runtime.clock.now()
    statuses = ACTIVE if status == "active" else ALERT_STATUSES if status == "all" else (status,)
    rows = list_alerts(db, now, rule=rule, tier=tier, case_no=normalise_case_no(case_no) if case_no else None,
                       statuses=statuses, limit=limit)
    last = last_recompute(db)
    zh = runtime.lang == "zh"
    if last is None or abs((now - last).total_seconds()) > STALE_AFTER_SECONDS:
        when = f"{last:%Y-%m-%d %H:%M}" if last else ("从未" if zh else "never")
        click.echo(f"注意: 预警截至上次重算 ({when}); 运行 `command-center recompute` 可更新" if zh else
                   f"note: alerts are as of the last recompute ({when}); run `command-center recompute` to bring them up to date", err=True)
    if as_json:
        click.echo(json.dumps([row.as_json() for row in rows], ensure_ascii=False))
        return
    t, s, r = TIER_LABELS[runtime.lang], STATUS_LABELS[runtime.lang], RESPONSE_LABELS[runtime.lang]
    header = ("层级", "案号", "节点", "对象", "期限", "超期天数", "状态", "应对") if zh else (
        "tier", "case", "node", "subject", "due", "days late", "status", "response")
    widths = (10, 26, 7, 12, 13, 9, 10)
    click.echo("".join(pad(h, w) for h, w in zip(header, widths, strict=False)) + header[-1])
    today = runtime.clock.today()
    for row in rows:
        due = (row.due_date.isoformat() + ("*" if row.provisional else "")) if row.due_date else "—"
        response = ""
        if row.response_kind:
            response = f"{r[row.response_kind]} {RESPONSE_STATE_LABELS[runtime.lang][row.response_state(today)]}"
        cells = (t[row.tier or row.rule], row.case_no, shown_code(row.node_code, runtime.lang), row.subject_id or "—", due,
                 str(row.overdue_days) if row.rule == "overdue" else "", s[row.status])
        click.echo(("".join(pad(c, w) for c, w in zip(cells, widths, strict=True)) + response).rstrip())
    legend = any(row.provisional for row in rows)
    click.echo((f"共 {len(rows)} 条" + (" (* 临时期限)" if legend else "")) if zh else
               (f"{len(rows)} alerts" + (" (* provisional due date)" if legend else "")))


@cli.command(name="indicators")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def indicators_command(ctx: click.Context, as_json: bool) -> None:
    """The wall's figures as of now (the same function the wall uses)."""
    runtime = runtime_of(ctx)
    data = indicators(runtime.database(), runtime.rules())
    if as_json:
        click.echo(json.dumps(data.as_json(), ensure_ascii=False))
        return
    zh = runtime.lang == "zh"
    lines = [
        ("今日新收案件数" if zh else "New cases today", f"{data.new_cases_today:,}"),
        ("剩余未发放案款" if zh else "Undisbursed funds", f"{data.undisbursed_amount:,.2f} {'元' if zh else 'yuan'} ({data.undisbursed_count:,})"),
        ("临期节点预警" if zh else "Nodes due soon", f"{data.due_soon_nodes:,}"),
        ("超期节点" if zh else "Overdue nodes", f"{data.overdue_nodes:,}"),
        ("红灯 超3个月" if zh else "Red (> 3 months)", f"{data.lights.red:,}"),
        ("黄灯 超2个月" if zh else "Yellow (> 2 months)", f"{data.lights.yellow:,}"),
        ("蓝灯 超1个月" if zh else "Blue (> 1 month)", f"{data.lights.blue:,}"),
        ("3+7 超期案款" if zh else "Funds late on 3+7", f"{data.funds_3_7_overdue:,}"),
        ("超30天未发放" if zh else "Undisbursed > 30 days", f"{data.funds_over_30_days:,}"),
        ("续冻临期账户" if zh else "Freezes expiring", f"{data.freezes_expiring:,}"),
        ("未结/全部案件" if zh else "Open / all cases", f"{data.open_cases:,} / {data.cases:,}"),
    ]
    click.echo(("截至 " if zh else "As of ") + f"{data.now:%Y-%m-%d %H:%M}")
    width = max(cell_len(label) for label, _ in lines) + 2
    for label, value in lines:
        click.echo(f"  {pad(label, width)}{value}")

"""The alert engine's commands: ``recompute``, ``alerts`` and ``indicators``."""

from __future__ import annotations

import json

import click
from rich.cells import cell_len

from command_center.cli import _pad, _runtime, cli
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
    runtime = _runtime(ctx)
    result = recompute(runtime.database(), runtime.catalogue, runtime.calendar, runtime.clock.now(), rebuild=rebuild)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    t = TIER_LABELS[runtime.lang]
    zh = runtime.lang == "zh"
    click.echo(("重算完成 " if zh else "Recomputed as of ") + f"{result.now:%Y-%m-%d %H:%M}" + (f" ({result.seconds:.2f} 秒)" if zh else f" in {result.seconds:.2f} s"))
    for key in ("due_soon", "overdue", "blue", "yellow", "red"):
        click.echo(f"  {_pad(t[key], 10)}{result.counts.get(key, 0):>8,}")
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
    runtime = _runtime(ctx)
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
    click.echo("".join(_pad(h, w) for h, w in zip(header, widths, strict=False)) + header[-1])
    today = runtime.clock.today()
    for row in rows:
        due = (row.due_date.isoformat() + ("*" if row.provisional else "")) if row.due_date else "—"
        response = ""
        if row.response_kind:
            response = f"{r[row.response_kind]} {RESPONSE_STATE_LABELS[runtime.lang][row.response_state(today)]}"
        cells = (t[row.tier or row.rule], row.case_no, shown_code(row.node_code, runtime.lang), row.subject_id or "—", due,
                 str(row.overdue_days) if row.rule == "overdue" else "", s[row.status])
        click.echo(("".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)) + response).rstrip())
    legend = any(row.provisional for row in rows)
    click.echo((f"共 {len(rows)} 条" + (" (* 临时期限)" if legend else "")) if zh else
               (f"{len(rows)} alerts" + (" (* provisional due date)" if legend else "")))


@cli.command(name="indicators")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def indicators_command(ctx: click.Context, as_json: bool) -> None:
    """The wall's figures as of now (the same function the wall uses)."""
    runtime = _runtime(ctx)
    data = indicators(runtime.database(), runtime.catalogue, runtime.calendar, runtime.clock.now())
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
        click.echo(f"  {_pad(label, width)}{value}")


# -- scheduler and outbox (one active scheduler; the outbox's claims) ------------------------------

SCHEDULER_LABELS = {
    "zh": {"lease": "调度器租约", "none": "无 (尚无调度器运行过)", "active": "当前调度器", "token": "令牌",
           "alive": "在线", "gone": "已不在线", "unknown": "无法从本机判断是否在线", "expired": "已过期",
           "renewed": "续约于", "expires": "到期", "standbys": "备用调度器", "no_standbys": "无",
           "standbys_unseen": "SQLite 上看不到", "jobs": "任务", "last_run": "上次运行", "next_due": "下次到期",
           "never": "从未", "now": "现在", "outbox": "通知发件箱",
           "recompute": "重算", "dispatch": "发送通知", "snapshot": "每日快照", "fund_sample": "案款抽查",
           "asset_inventory": "查扣物清点", "closed_review": "结案评查",
           "pending": "待发", "sending": "发送中", "sent": "已发", "failed": "失败"},
    "en": {"lease": "Scheduler lease", "none": "none (no scheduler has run yet)", "active": "active", "token": "token",
           "alive": "alive", "gone": "gone", "unknown": "cannot tell from here whether it is alive", "expired": "expired",
           "renewed": "renewed", "expires": "expires", "standbys": "standing by", "no_standbys": "none",
           "standbys_unseen": "not visible on SQLite", "jobs": "Jobs", "last_run": "last run", "next_due": "next due",
           "never": "never", "now": "now", "outbox": "Outbox",
           "recompute": "recompute", "dispatch": "notifications", "snapshot": "daily snapshot", "fund_sample": "fund sample",
           "asset_inventory": "asset inventory", "closed_review": "closed-case review",
           "pending": "pending", "sending": "sending", "sent": "sent", "failed": "failed"},
}


def _print_scheduler_status(status, lang: str) -> None:
    from command_center.data.workcal import TZ

    t = SCHEDULER_LABELS[lang]

    def when(value) -> str:
        return f"{value.astimezone(TZ):%Y-%m-%d %H:%M:%S}" if value else t["never"]

    click.echo(t["lease"])
    row = status.lease
    if row is None:
        click.echo(f"  {t['none']}")
    else:
        alive = t["unknown"] if status.alive is None else t["alive"] if status.alive else t["gone"]
        click.echo(f"  {_pad(t['active'], 12)}{row.holder} ({t['token']} {row.token}), {alive}"
                   + (f", {t['expired']}" if status.expired else ""))
        click.echo(f"  {_pad(t['renewed'], 12)}{when(row.renewed_at)}, {t['expires']} {when(row.expires_at)}")
    standbys = t["standbys_unseen"] if status.standbys is None else ", ".join(status.standbys) or t["no_standbys"]
    click.echo(f"  {_pad(t['standbys'], 12)}{standbys}")
    click.echo(f"{_pad(t['jobs'], 20)}{_pad(t['last_run'], 21)}{t['next_due']}")
    for job in status.jobs:
        click.echo(f"  {_pad(t[job.id], 18)}{_pad(when(job.last_run), 21)}{when(job.next_due) if job.next_due else t['now']}")
    click.echo(f"{t['outbox']}: " + ", ".join(f"{t[key]} {value:,}" for key, value in status.outbox.items()))


@cli.command(name="scheduler")
@click.option("--once", is_flag=True, help="Run every job once (recompute, notifications, snapshot, review lists) and exit.")
@click.option("--lease-seconds", type=click.IntRange(3, 3600), help="Lease time: a standby takes over this long after the leader dies.")
@click.option("--status", "show_status", is_flag=True, help="Who is active, each job's last run and next due, the outbox; then exit.")
@click.option("--json", "as_json", is_flag=True, help="With --status: machine-readable output.")
@click.pass_context
def scheduler_command(ctx: click.Context, once: bool, lease_seconds: int | None, show_status: bool, as_json: bool) -> None:
    """Run the background jobs; of several schedulers on one database, exactly one is active."""
    import logging
    import signal
    import threading

    from command_center.jobs.lease import Lease, LeaseLost
    from command_center.jobs.scheduler import Scheduler, status

    runtime = _runtime(ctx)
    if show_status:
        found = status(runtime)
        if as_json:
            click.echo(json.dumps(found.as_json(), ensure_ascii=False))
        else:
            _print_scheduler_status(found, runtime.lang)
        return
    db = runtime.database()
    lease = Lease(db, lease_seconds or runtime.settings.lease_seconds)
    zh = runtime.lang == "zh"

    def report(job_id: str, result) -> None:
        if job_id in ("leader", "standby"):
            return  # the scheduler's log says it, with the holders and tokens
        stamp = f"{runtime.clock.now():%Y-%m-%d %H:%M:%S}"
        if job_id == "recompute":
            counts = " ".join(f"{TIER_LABELS[runtime.lang][k]}={v}" for k, v in result.counts.items())
            click.echo(f"{stamp} recompute {result.seconds:.2f}s {counts}", err=True)
        else:
            click.echo(f"{stamp} {job_id}: {result}", err=True)

    # the log (stderr) says who is active, each change of leader, a lost lease and messages in doubt
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("command_center").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: still running" is how a long job should be treated
    scheduler = Scheduler(runtime, lease, on_run=report)
    if once:
        try:
            results = scheduler.run_once()
        except LeaseLost as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(("已运行全部任务: " if zh else "ran every job: ") + ", ".join(results))
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"{lease.holder}: " + ("调度器已启动, 数据库 " if zh else "scheduler started on ") + db.display_url, err=True)
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.stop()
        click.echo(("调度器已停止" if zh else "scheduler stopped"), err=True)


@cli.command(name="outbox")
@click.option("--dispatch", "send", is_flag=True, help="Send what is due now (the scheduler does this every dispatch_seconds, 30 s).")
@click.option("--retry-failed", is_flag=True, help="Put messages that gave up back in the queue.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def outbox_command(ctx: click.Context, send: bool, retry_failed: bool, as_json: bool) -> None:
    """The notification outbox: counts per status; optionally send or retry."""
    from command_center.jobs.notify import dispatch, make_sender, outbox_counts
    from command_center.jobs.notify import retry_failed as requeue

    runtime = _runtime(ctx)
    db, now = runtime.database(), runtime.clock.now()
    report: dict = {}
    if retry_failed:
        report["requeued"] = requeue(db, now)
    if send:
        result = dispatch(db, runtime.catalogue, runtime.calendar, make_sender(runtime.settings), now)
        report |= {"sent": result.sent, "retried": result.retried, "failed": result.failed, "held_for_working_day": result.held,
                   "in_doubt": result.in_doubt}
    report["outbox"] = outbox_counts(db)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    for key, value in report.items():
        click.echo(f"{key}: {value}")


# -- end of scheduler and outbox ------------------------------------------------------------------

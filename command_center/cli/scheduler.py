"""The background jobs: ``scheduler`` (one active per database) and the notification ``outbox``."""

from __future__ import annotations

import json

import click

from command_center.labels import TIERS
from command_center.cli.group import cli, runtime_of


@cli.command(name="scheduler")
@click.option("--once", is_flag=True, help="Run every job once (recompute, notifications, snapshot, review lists) and exit.")
@click.option("--lease-seconds", type=click.IntRange(3, 3600), help="Lease time: a standby takes over this long after the leader dies.")
@click.pass_context
def scheduler_command(ctx: click.Context, once: bool, lease_seconds: int | None) -> None:
    """Run the background jobs; of several schedulers on one database, exactly one is active."""
    import logging
    import signal
    import threading

    from command_center.jobs.lease import Lease, LeaseLost
    from command_center.jobs.scheduler import Scheduler

    runtime = runtime_of(ctx)
    db = runtime.database()
    lease = Lease(db, lease_seconds or runtime.settings.lease_seconds)
    zh = runtime.lang == "zh"

    def report(job_id: str, result) -> None:
        stamp = f"{runtime.clock.now():%Y-%m-%d %H:%M:%S}"
        if job_id == "leader":
            click.echo(f"{stamp} {lease.holder} " + ("成为当前调度器" if zh else "is now the active scheduler") + f" (token {result})", err=True)
        elif job_id == "standby":
            click.echo(f"{stamp} {lease.holder} " + ("转为备用" if zh else "is on standby"), err=True)
        elif job_id == "recompute":
            counts = " ".join(f"{TIERS[runtime.lang][k]}={v}" for k, v in result.counts.items())
            click.echo(f"{stamp} recompute {result.seconds:.2f}s {counts}", err=True)
        else:
            click.echo(f"{stamp} {job_id}: {result}", err=True)

    scheduler = Scheduler(runtime, lease, on_run=report)
    if once:
        try:
            results = scheduler.run_once()
        except LeaseLost as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(("已运行全部任务: " if zh else "ran every job: ") + ", ".join(results))
        return
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
@click.option("--dispatch", "send", is_flag=True, help="Send what is due now (the scheduler does this every 30 s).")
@click.option("--retry-failed", is_flag=True, help="Put messages that gave up back in the queue.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def outbox_command(ctx: click.Context, send: bool, retry_failed: bool, as_json: bool) -> None:
    """The notification outbox: counts per status; optionally send or retry."""
    from command_center.jobs.notify import dispatch, make_sender, outbox_counts
    from command_center.jobs.notify import retry_failed as requeue

    runtime = runtime_of(ctx)
    db, now = runtime.database(), runtime.clock.now()
    report: dict = {}
    if retry_failed:
        report["requeued"] = requeue(db, now)
    if send:
        result = dispatch(db, runtime.catalogue, runtime.calendar, make_sender(runtime.settings), now)
        report |= {"sent": result.sent, "retried": result.retried, "failed": result.failed, "held_for_working_day": result.held}
    report["outbox"] = outbox_counts(db)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    for key, value in report.items():
        click.echo(f"{key}: {value}")

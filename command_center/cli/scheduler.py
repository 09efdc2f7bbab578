"""The background jobs: ``scheduler`` (one active per database, ``--status`` says which) and the
notification ``outbox``."""

from __future__ import annotations

import json
from datetime import date

import click

from command_center.cli.group import cli, pad, runtime_of
from command_center.data.workcal import TZ
from command_center.labels import SCHEDULER, TIERS


def _print_scheduler_status(status, lang: str) -> None:
    t = SCHEDULER[lang]

    def when(value) -> str:
        return f"{value.astimezone(TZ):%Y-%m-%d %H:%M:%S}" if value else t["never"]

    click.echo(t["lease"])
    row = status.lease
    if row is None:
        click.echo(f"  {t['none']}")
    else:
        alive = t["unknown"] if status.alive is None else t["alive"] if status.alive else t["gone"]
        click.echo(
            f"  {pad(t['active'], 12)}{row.holder} ({t['token']} {row.token}), {alive}"
            + (f", {t['expired']}" if status.expired else "")
        )
        click.echo(f"  {pad(t['renewed'], 12)}{when(row.renewed_at)}, {t['expires']} {when(row.expires_at)}")
    standbys = t["standbys_unseen"] if status.standbys is None else ", ".join(status.standbys) or t["no_standbys"]
    click.echo(f"  {pad(t['standbys'], 12)}{standbys}")
    click.echo(f"{pad(t['jobs'], 20)}{pad(t['last_run'], 21)}{t['next_due']}")
    for job in status.jobs:
        click.echo(
            f"  {pad(t[job.id], 18)}{pad(when(job.last_run), 21)}{when(job.next_due) if job.next_due else t['now']}"
        )
    click.echo(f"{t['outbox']}: " + ", ".join(f"{t[key]} {value:,}" for key, value in status.outbox.items()))


@cli.command(name="scheduler")
@click.option(
    "--once", is_flag=True, help="Run every job once (recompute, notifications, snapshot, review lists) and exit."
)
@click.option(
    "--lease-seconds",
    type=click.IntRange(3, 3600),
    help="Lease time: a standby takes over this long after the leader dies.",
)
@click.option(
    "--status",
    "show_status",
    is_flag=True,
    help="Who is active, each job's last run and next due, the outbox; then exit.",
)
@click.option("--json", "as_json", is_flag=True, help="With --status: machine-readable output.")
@click.pass_context
def scheduler_command(
    ctx: click.Context, once: bool, lease_seconds: int | None, show_status: bool, as_json: bool
) -> None:
    """Run the background jobs; of several schedulers on one database, exactly one is active."""
    import logging
    import signal
    import threading

    from command_center.jobs.lease import Lease, LeaseLost
    from command_center.jobs.scheduler import Scheduler, status

    runtime = runtime_of(ctx)
    lang = runtime.lang
    if show_status:
        found = status(runtime)
        if as_json:
            click.echo(json.dumps(found.as_json(), ensure_ascii=False))
        else:
            _print_scheduler_status(found, lang)
        return
    db = runtime.database()
    lease = Lease(db, lease_seconds or runtime.settings.lease_seconds)

    def report(job_id: str, result) -> None:
        if job_id in ("leader", "standby"):
            return  # the scheduler's log says it, with the holders and tokens
        stamp = f"{runtime.clock.now():%Y-%m-%d %H:%M:%S}"
        click.echo(f"{stamp} {SCHEDULER[lang].get(job_id, job_id)}: {job_result(job_id, result, lang)}", err=True)

    # the log (stderr) says who is active, each change of leader, a lost lease and messages in doubt
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("command_center").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(
        logging.ERROR
    )  # "skipped: still running" is how a long job should be treated
    scheduler = Scheduler(runtime, lease, on_run=report)
    if once:
        try:
            results = scheduler.run_once()
        except LeaseLost as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(SCHEDULER[lang]["ran_every_job"].format(jobs=", ".join(SCHEDULER[lang][job] for job in results)))
        click.echo(messages_go(runtime.settings, lang))
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(SCHEDULER[lang]["started"].format(holder=lease.holder, url=db.display_url), err=True)
    click.echo(messages_go(runtime.settings, lang), err=True)
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.stop()
        click.echo(SCHEDULER[lang]["stopped"], err=True)


@cli.command(name="outbox")
@click.option(
    "--dispatch",
    "send",
    is_flag=True,
    help="Send what is due now (the scheduler does this every dispatch_seconds, 30 s).",
)
@click.option("--retry-failed", is_flag=True, help="Put messages that gave up back in the queue.")
@click.option(
    "--digests",
    "day",
    metavar="YYYY-MM-DD",
    help="The SMS sent that day, as each recipient read them (phones masked).",
)
@click.option("--to", "recipient", metavar="LOGIN", help="With --digests: only this recipient's.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def outbox_command(
    ctx: click.Context, send: bool, retry_failed: bool, day: str | None, recipient: str | None, as_json: bool
) -> None:
    """The notification outbox: counts per status and where messages went; optionally send or retry."""
    from command_center.jobs.notify import deliveries, dispatch, make_sender, outbox_counts
    from command_center.jobs.notify import retry_failed as requeue

    if recipient and not day:
        raise click.UsageError("--to goes with --digests DAY")
    if day:
        _digests(ctx, day, recipient, as_json)
        return

    runtime = runtime_of(ctx)
    db, now = runtime.database(), runtime.clock.now()
    report: dict = {}
    if retry_failed:
        report["requeued"] = requeue(db, now)
    if send:
        result = dispatch(
            db,
            runtime.catalogue,
            runtime.calendar,
            make_sender(runtime.settings),
            now,
            quiet_hours=runtime.settings.quiet(),
        )
        report |= {
            "sent": result.sent,
            "retried": result.retried,
            "failed": result.failed,
            "held_for_working_day": result.held,
            "in_doubt": result.in_doubt,
            "digests": result.digests,
            "inhibited": result.inhibited,
        }
    report["outbox"] = outbox_counts(db)
    report["sender"] = {"kind": runtime.settings.notify_sender, "target": make_sender(runtime.settings).target}
    report["recipients"] = deliveries(db)
    if as_json:
        for entry in report["recipients"]:
            entry["last_sent_at"] = entry["last_sent_at"].isoformat() if entry["last_sent_at"] else None
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    t = SCHEDULER[runtime.lang]
    if retry_failed:
        click.echo(t["requeued"].format(count=report["requeued"]))
    if send:
        click.echo(f"{t['this_dispatch']}: " + job_result("dispatch", result, runtime.lang))
    click.echo(f"{t['outbox']}: " + ", ".join(f"{t[key]} {value:,}" for key, value in report["outbox"].items()))
    click.echo(messages_go(runtime.settings, runtime.lang))
    if report["recipients"]:
        click.echo(t["recipients"])
        for entry in report["recipients"]:
            last = f"{entry['last_sent_at'].astimezone(TZ):%Y-%m-%d %H:%M}" if entry["last_sent_at"] else "—"
            counts = ", ".join(f"{t[key]} {entry[key]:,}" for key in report["outbox"] if entry[key])
            click.echo(
                "  "
                + t["recipient_line"].format(
                    recipient=entry["recipient"],
                    phone=entry["phone"] or t["no_phone"],
                    counts=counts,
                    digests=entry["digests"],
                    last=last,
                )
            )


def _digests(ctx: click.Context, day: str, recipient: str | None, as_json: bool) -> None:
    from command_center.jobs.notify import digests_on

    runtime = runtime_of(ctx)
    try:
        on = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter(f"{day!r} is not a date such as 2026-11-20", param_hint="--digests") from None
    found = digests_on(runtime.database(), runtime.catalogue, on, recipient=recipient)
    if as_json:
        for entry in found:
            entry["sent_at"] = entry["sent_at"].isoformat()
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    t = SCHEDULER[runtime.lang]
    if not found:
        click.echo(t["no_digests"].format(day=day))
        return
    for entry in found:
        click.echo(
            t["digest_line"].format(
                at=f"{entry['sent_at'].astimezone(TZ):%H:%M}",
                recipient=entry["recipient"],
                phone=entry["phone"] or t["no_phone"],
                count=entry["count"],
            )
        )
        click.echo(f"  {entry['text']}")


def job_result(job_id: str, result, lang: str) -> str:
    """A job's result in words (the scheduler's report and ``outbox --dispatch``)."""
    t = SCHEDULER[lang]
    if job_id == "recompute":
        counts = " ".join(f"{TIERS[lang][k]}={v}" for k, v in result.counts.items())
        return t["recompute_done"].format(seconds=result.seconds, counts=counts)
    if job_id == "dispatch":
        return t["dispatched"].format(
            sent=result.sent,
            digests=result.digests,
            retried=result.retried,
            failed=result.failed,
            held=result.held,
            inhibited=result.inhibited,
            in_doubt=result.in_doubt,
        )
    if job_id == "snapshot":
        return t["snapshot_written"].format(count=result)
    if isinstance(result, bool):  # a review list
        return t["list_stored"] if result else t["list_exists"]
    return str(result)


def messages_go(settings, lang: str) -> str:
    """Where the notifications go, in words: the operator's first question about them."""
    from command_center.jobs.notify import make_sender

    t = SCHEDULER[lang]
    return f"{t['where']}: " + t[f"where_{settings.notify_sender}"].format(target=make_sender(settings).target)

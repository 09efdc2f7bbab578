"""Triage and related cases (DOMAIN.md §7): ``triage`` and ``related``."""

from __future__ import annotations

import json

import click

from command_center.cli.group import cli, pad, runtime_of
from command_center.data.related import related_bundles
from command_center.data.triage import triage_list
from command_center.labels import RELATED, TRACKS, TRIAGE, triage_reason


@cli.command(name="triage")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON array).")
@click.option("--disagreeing", is_flag=True, help="Only the cases whose track is not the one suggested.")
@click.pass_context
def triage_command(ctx: click.Context, as_json: bool, disagreeing: bool) -> None:
    """The track the court's [triage] rules suggest for each open case whose online control (N05)
    is complete, why, and whether the case's current team and track agree."""
    runtime = runtime_of(ctx)
    rows = triage_list(
        runtime.database(),
        runtime.settings.triage,
        runtime.clock.now(),
        runtime.clock.today(),
        disagreeing=disagreeing,
    )
    lang = runtime.lang
    words, t = TRACKS[lang], TRIAGE[lang]
    if as_json:
        out = []
        for row in rows:
            data = row.as_json(lambda r: triage_reason(lang, r))
            data["track_label"] = words[row.track]
            data["current_track_label"] = words[row.current] if row.current else None
            out.append(data)
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    header = t["header"].split("|")
    widths = (26, 8, 0, 14, 10)
    click.echo(pad(header[0], 26) + pad(header[1], 8) + pad(header[3], 14) + pad(header[4], 10) + header[5])
    for row in rows:
        current = words[row.current] if row.current else (row.current_word or t["none"])
        click.echo(
            pad(row.case_no, widths[0])
            + pad(words[row.track], widths[1])
            + pad(row.team or t["none"], widths[3])
            + pad(current, widths[4])
            + (t["agrees"] if row.agrees else t["disagrees"])
        )
        for reason in row.reasons:
            click.echo("    " + triage_reason(lang, reason))
    click.echo(t["count"].format(count=len(rows), disagree=sum(not r.agrees for r in rows)))


@cli.command(name="related")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON array of bundles).")
@click.pass_context
def related_command(ctx: click.Context, as_json: bool) -> None:
    """Bundles of related open cases (a shared debtor; parties applicant and debtor of each other)
    and, for mutual money debts, the offset.  Prints parties' names: like `import`, it is run by
    someone with access to the database itself."""
    runtime = runtime_of(ctx)
    bundles = related_bundles(runtime.database())
    if as_json:
        click.echo(json.dumps([b.as_json() for b in bundles], ensure_ascii=False))
        return
    lang = runtime.lang
    r = RELATED[lang]
    if not bundles:
        click.echo(r["none"])
        return
    for number, bundle in enumerate(bundles, start=1):
        click.echo(r["bundle"].format(number=number, count=len(bundle.cases)))
        for c in bundle.cases:
            line = r["case"].format(
                case_no=c.case_no,
                team=c.team or "—",
                applicants=r["and"].join(c.applicants),
                debtors=r["and"].join(c.debtors),
                owed=c.owed,
            )
            click.echo("  " + line)
        for tie in bundle.ties:
            click.echo("  " + r[tie.kind].format(parties=" ⇄ ".join(tie.parties), count=len(tie.case_ids)))
        for o in bundle.offsets:
            click.echo("  " + r["offset"].format(**vars(o)))
        if bundle.net_total is not None:
            click.echo("  " + r["totals"].format(gross=bundle.gross_total, net=bundle.net_total))
        if bundle.not_offset:
            numbers = {c.case_id: c.case_no for c in bundle.cases}
            click.echo("  " + r["not_offset"].format(cases=r["and"].join(numbers[i] for i in bundle.not_offset)))
    click.echo(r["count"].format(bundles=len(bundles), cases=sum(len(b.cases) for b in bundles)))

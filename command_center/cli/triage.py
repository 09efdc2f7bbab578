"""Triage and related cases (DOMAIN.md §7): ``triage`` and ``related``."""

from __future__ import annotations

import json

import click
from rich.cells import cell_len

from command_center.cli.group import cli, pad, runtime_of
from command_center.data.related import LIST_LIMIT, related_bundles, uncollected
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
    track = max(cell_len(word) for word in (*words.values(), header[1], header[4])) + 2  # ordinary: 8 letters
    widths = (26, track, 0, 14, track)
    click.echo(
        pad(header[0], widths[0])
        + pad(header[1], widths[1])
        + pad(header[3], widths[3])
        + pad(header[4], widths[4])
        + header[5]
    )
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
@click.option(
    "--list-limit",
    type=click.IntRange(min=0),
    default=LIST_LIMIT,
    show_default=True,
    help="List a bundle case by case up to this many cases; a larger one by what ties it (0: list every bundle).",
)
@click.pass_context
def related_command(ctx: click.Context, as_json: bool, list_limit: int) -> None:
    """Bundles of related open cases (a shared debtor; parties applicant and debtor of each other)
    and, for mutual money debts, the offset.  Prints parties' names: like `import`, it is run by
    someone with access to the database itself."""
    runtime = runtime_of(ctx)
    bundles = related_bundles(runtime.database(), list_limit or None)
    if as_json:  # one bundle at a time: the array of a whole court is megabytes
        with uncollected():
            click.echo("[", nl=False)
            for number, bundle in enumerate(bundles):
                click.echo((", " if number else "") + json.dumps(bundle.as_json(), ensure_ascii=False), nl=False)
            click.echo("]")
        return
    lang = runtime.lang
    r = RELATED[lang]
    if not bundles:
        click.echo(r["none"])
        return
    for number, bundle in enumerate(bundles, start=1):
        click.echo(r["bundle"].format(number=number, count=bundle.size))
        for c in bundle.cases:
            line = r["case"].format(
                case_no=c.case_no,
                team=c.team or "—",
                applicants=r["and"].join(c.applicants),
                debtors=r["and"].join(c.debtors),
                owed=c.owed,
            )
            click.echo("  " + line)
        ties = bundle.ties
        if not bundle.listed:  # what ties it, the ties of most cases first
            click.echo("  " + r["unlisted"].format(limit=list_limit))
            ties = sorted(ties, key=lambda t: -len(t.case_ids))
        for tie in ties:
            click.echo("  " + r[tie.kind].format(parties=" ⇄ ".join(tie.parties), count=len(tie.case_ids)))
        for o in bundle.offsets:
            click.echo("  " + r["offset"].format(**vars(o)))
        if bundle.net_total is not None:
            click.echo("  " + r["totals"].format(gross=bundle.gross_total, net=bundle.net_total))
        if bundle.not_offset:
            numbers = bundle.numbers
            click.echo("  " + r["not_offset"].format(cases=r["and"].join(numbers[i] for i in bundle.not_offset)))
    click.echo(r["count"].format(bundles=len(bundles), cases=sum(b.size for b in bundles)))

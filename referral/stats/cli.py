"""``flask stats rebuild``: recount the statistics' summary table from the cases (referral/stats/rollup.py) — after
loading cases by bulk SQL, or to prove that the table kept in the transaction still equals a full recount."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

stats_cli = AppGroup("stats", help="The statistics' summary table (stats_facts).")


@stats_cli.command("rebuild")
def rebuild_command():
    """Recount stats_facts from every case, in one transaction."""
    from referral.extensions import db
    from referral.stats.rollup import rebuild

    start = time.perf_counter()
    n = rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"stats_facts recounted from {n} cases in {time.perf_counter() - start:.0f} s")

"""The purge commands' one form: `flask --app roster <name> --older-than-days N`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import click

from roster.users.models import utcnow


def purge_command(name: str, what: str) -> Callable[[Callable[[datetime], None]], click.Command]:
    """A command that takes `--older-than-days N` (`what`: its help) and hands the function the
    cutoff, now minus N days; the function's docstring is the command's help."""

    def decorate(purge: Callable[[datetime], None]) -> click.Command:
        @click.command(name, help=purge.__doc__)
        @click.option("--older-than-days", type=click.IntRange(min=0), required=True, help=what)
        def command(older_than_days: int) -> None:
            purge(utcnow() - timedelta(days=older_than_days))

        return command

    return decorate

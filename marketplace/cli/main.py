"""flask commands: import, demo data, users. Thin: the work is done by services."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.accounts import users as accounts
from marketplace.auctions import audit_money, chain
from marketplace.auctions import closing as auction_closing
from marketplace.auctions import settlement as auction_settlement
from marketplace.catalog import import_formats, imports
from marketplace.core import ledger
from marketplace.core.errors import DomainError
from marketplace.core.payments import gateway_for
from marketplace.deals import acceptance as deal_acceptance
from marketplace.deals import cancellation as deal_cancellation
from marketplace.demo import load as demo
from marketplace.extensions import db
from marketplace.models import Organization
from marketplace.models.vocab import ROLES
from marketplace.web import idempotency
from marketplace.web.second_factor import keys as second_factor_keys

import_cli = AppGroup("import", help="Bulk import listings or demands (JSONL, CSV or XLSX).")
demo_cli = AppGroup("demo", help="Demo content for development.")
users_cli = AppGroup("users", help="User accounts.")


def _fail(error: DomainError) -> click.ClickException:
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
    return click.ClickException(details if details else error.message)


def _import(kind: str, file: Path, source: str, publish: bool) -> None:
    try:
        import_formats.file_format(file.name)
        if sys.stdout.isatty():
            length = import_formats.count_records(file)
            with click.progressbar(length=length, label=f"Importing {kind}") as bar:
                report = imports.import_file(
                    db.session,
                    kind,
                    file,
                    file.name,
                    source=source,
                    publish=publish,
                    progress=bar.update,
                )
        else:
            report = imports.import_file(
                db.session, kind, file, file.name, source=source, publish=publish
            )
    except DomainError as exc:
        raise _fail(exc) from None
    click.echo(
        f"created {report.created}, updated {report.updated},"
        f" unchanged {report.unchanged}, failed {report.failed}"
    )
    for error in report.errors:
        click.echo(f"line {error.line} (id {error.external_id or '-'}): {error.message}", err=True)
    if report.failed:
        sys.exit(1)


def _import_command(kind: str, what: str):
    @import_cli.command(kind)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--source",
        default="import",
        show_default=True,
        help="Where the records come from; with each line's id it identifies a record.",
    )
    @click.option("--publish", is_flag=True, help="Publish at once instead of waiting for review.")
    def command(file: Path, source: str, publish: bool) -> None:
        _import(kind, file, source, publish)

    command.__doc__ = (
        f"Import {what} from FILE (.jsonl, .csv or .xlsx). Idempotent: a line whose id was"
        " imported before updates its record, or changes nothing if it is the same."
        " Exits 1 if any line failed."
    )
    return command


_import_command("listings", "listings (patents.jsonl format)")
_import_command("demands", "demands (demands.jsonl format)")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo organizations, accounts, listings and demands (once)."""
    loaded = demo.load(db.session, second_factor_keys())
    if not loaded:
        click.echo("The demo data is already loaded; nothing changed.")
    click.echo("Demo accounts (development only):")
    for account in demo.DEMO_ACCOUNTS:
        click.echo(
            f"  {account.role:<18} {account.email:<36} {account.password}"
            f"  {account.organization or ''}"
        )
    click.echo("Second factor (TOTP) of the demo operator and broker, to add to an app:")
    for account in demo.DEMO_ACCOUNTS:
        if account.totp_secret:
            click.echo(f"  {account.email:<36} {account.totp_secret}")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--name", required=True, help="Display name.")
@click.option("--organization", help="Name of an existing organization.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (else it is prompted for).",
)
def users_create(
    email: str, roles: tuple[str, ...], name: str, organization: str | None, password_stdin: bool
) -> None:
    """Create a user with any role (the only way to appoint an operator).

    The password is never an argument, so it stays out of shell history and `ps`."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    org = None
    if organization:
        org = db.session.scalar(select(Organization).where(Organization.name == organization))
        if org is None:
            raise click.ClickException(f"No organization named '{organization}'.")
    try:
        user = accounts.create_user(
            db.session,
            email=email,
            password=password,
            display_name=name,
            roles=list(roles),
            organization=org,
        )
    except DomainError as exc:
        raise _fail(exc) from None
    click.echo(f"Created user {user.email} ({', '.join(sorted(user.roles))}).")


ledger_cli = AppGroup("ledger", help="The double-entry ledger.")


@ledger_cli.command("check")
def ledger_check_command() -> None:
    """Verify every ledger invariant over the whole database; exit 1 on any violation."""
    from marketplace.challenges import money as challenge_money
    from marketplace.vouchers import money as voucher_money

    violations = (
        ledger.check(db.session)
        + audit_money.deposit_violations(db.session)
        + challenge_money.bounty_violations(db.session)
        + voucher_money.voucher_violations(db.session)
    )
    for v in violations:
        click.echo(f"{v.rule}: {v.detail}", err=True)
    if violations:
        sys.exit(1)
    click.echo("ledger: every transaction balances, no holding account is negative")


deals_cli = AppGroup("deals", help="Deals: the timed steps.")


@deals_cli.command("sweep")
def deals_sweep_command() -> None:
    """The timed steps of deals (run it from cron or a systemd timer, e.g. hourly):
    unanswered cancellation proposals lapse; delivered milestones the buyer leaves
    unanswered get a reminder three days before their acceptance period ends, then are
    accepted (and released); stored answers to Idempotency-Key requests older than a
    day are deleted. Prints what it did."""
    lapsed = deal_cancellation.lapse_expired(db.session)
    done = deal_acceptance.sweep(db.session, gateway=gateway_for(current_app))
    expired = idempotency.sweep(db.session)
    click.echo(
        f"deals: {lapsed} cancellation proposal(s) lapsed; {done.reminded} acceptance "
        f"reminder(s); {done.accepted} milestone(s) accepted automatically"
        + (f"; {done.skipped} skipped (answered or in dispute)" if done.skipped else "")
        + f"; {expired} expired idempotency key(s) deleted"
    )


auction_cli = AppGroup("auction", help="Timed online auctions.")


@auction_cli.command("close")
def auction_close_command() -> None:
    """Close every lot whose end has passed (run it every minute: the
    techmarket-auction-close timer): sold lots open their deal with the winner, deposits
    are applied or refunded, the runner-up's kept held. Then settle sold lots: a funded
    deal releases the runner-up's deposit; a winner who did not fund within
    AUCTION_FUNDING_DAYS forfeits the deposit and the lot is offered to the runner-up.
    Idempotent."""
    days = current_app.config["AUCTION_FUNDING_DAYS"]
    closed = auction_closing.close_due(db.session, funding_days=days)
    for c in closed:
        detail = f", deal {c.deal_id}" if c.deal_id else f": {c.error}" if c.error else ""
        click.echo(f"lot {c.lot_id}: {c.state}{detail}", err=bool(c.error))
    failed = sum(1 for c in closed if c.error)
    click.echo(f"auction: {len(closed) - failed} lot(s) closed, {failed} could not close")
    settled = auction_settlement.settle_due(
        db.session, gateway=gateway_for(current_app), funding_days=days
    )
    for done in settled:
        detail = f", deal {done.deal_id}" if done.deal_id else ""
        error = f": {done.error}" if done.error else ""
        click.echo(f"lot {done.lot_id}: {done.outcome}{detail}{error}", err=bool(done.error))
    unsettled = sum(1 for done in settled if done.error)
    click.echo(f"auction: {len(settled) - unsettled} sold lot(s) settled, {unsettled} could not")
    if failed or unsettled:
        sys.exit(1)


@auction_cli.command("verify")
@click.argument("lot_id", type=int)
def auction_verify_command(lot_id: int) -> None:
    """Recompute LOT's bid log hash chain; exit 1 if any stored bid was changed."""
    from marketplace.models import AuctionLot

    lot = db.session.get(AuctionLot, lot_id)
    if lot is None:
        raise click.ClickException(f"No auction lot {lot_id}.")
    problems = chain.verify(db.session, lot_id, lot.last_hash)
    for p in problems:
        click.echo(f"bid {p.seq}: {p.reason}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"lot {lot_id}: {lot.last_seq} bid(s), chain intact, head {lot.last_hash or '-'}")


challenge_cli = AppGroup("challenge", help="揭榜挂帅 challenges.")


@challenge_cli.command("close")
def challenge_close_command() -> None:
    """Close proposals of every open challenge past its deadline (hourly: the
    techmarket-challenge-close timer); the posters then evaluate and decide. Idempotent."""
    from marketplace.challenges import workflow as challenges

    closed = challenges.close_due(db.session)
    click.echo(f"challenge: {len(closed)} challenge(s) closed for proposals")


def init_app(app: Flask) -> None:
    app.cli.add_command(challenge_cli)
    app.cli.add_command(auction_cli)
    app.cli.add_command(deals_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)

"""The jobs of notifications: send one mail, deliver one webhook, sweep what is due, send the
daily digests, warn about SLAs at risk, poll an IMAP mailbox. The scheduler runs the periodic
ones (see PERIODIC); kwargs are ids only, and every job is safe to run twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from engage.domain.notifications import OutgoingMail
from engage.services import mail_out, sla_alerts, webhooks
from engage.services.notify import DELIVER_WEBHOOK_JOB, SEND_MAIL_JOB
from engage.services.ports import Clock, JobQueue, MailTransport, UnitOfWork, WebhookSender

log = logging.getLogger("engage.mail")
SWEEP_JOB = "notify_sweep"
DIGEST_JOB = "mail_digest"
SLA_JOB = "sla_alerts"
IMAP_JOB = "imap_poll"
#: Periodic jobs and how often (seconds) the scheduler should enqueue them.
PERIODIC = {SWEEP_JOB: 60.0, DIGEST_JOB: 24 * 3600.0, SLA_JOB: 300.0}


@dataclass
class MailTools:
    """What the jobs need besides the database: transports and addresses."""

    transport: MailTransport | None  # None: no SMTP configured, mails are dropped as failed
    sender: WebhookSender
    config: Callable[[], mail_out.MailConfig]  # lazy: the reply key may live in the data dir
    poll: Callable[[], None] | None = None  # IMAP polling, when configured


def _drop(uow: UnitOfWork, mail: OutgoingMail | None) -> None:
    if mail is not None and mail.status == "pending":
        uow.notify.update_mail(mail.id, status="failed", last_error="ENGAGE_SMTP_HOST is not set")
        uow.commit()


def register_jobs(
    jobs: JobQueue, uow: Callable[[], UnitOfWork], clock: Clock, tools: MailTools
) -> list[str]:
    """Register every notification job; returns the names of the periodic ones."""

    def send_mail(mail_id: int) -> None:
        with uow() as unit:
            if tools.transport is None:
                _drop(unit, unit.notify.get_mail(mail_id))
                return
            mail_out.send_mail(unit, clock, tools.transport, tools.config(), mail_id=mail_id)

    def deliver_webhook(delivery_id: int) -> None:
        base = tools.config().base_url
        with uow() as unit:
            webhooks.deliver(unit, clock, tools.sender, delivery_id=delivery_id, base_url=base)

    def sweep() -> None:
        with uow() as unit:
            mails = mail_out.due_mail_ids(unit, clock)
            deliveries = webhooks.due_delivery_ids(unit, clock)
        for mail_id in mails:
            jobs.enqueue(SEND_MAIL_JOB, mail_id=mail_id)
        for delivery_id in deliveries:
            jobs.enqueue(DELIVER_WEBHOOK_JOB, delivery_id=delivery_id)

    def digest() -> None:
        if tools.transport is None:
            return
        with uow() as unit:
            mail_out.send_digests(unit, clock, tools.transport, tools.config())

    def sla() -> None:
        with uow() as unit:
            sla_alerts.scan(unit, clock)

    jobs.register(SEND_MAIL_JOB, send_mail)
    jobs.register(DELIVER_WEBHOOK_JOB, deliver_webhook)
    jobs.register(SWEEP_JOB, sweep)
    jobs.register(DIGEST_JOB, digest)
    jobs.register(SLA_JOB, sla)
    periodic = list(PERIODIC)
    if tools.poll is not None:
        poll = tools.poll
        jobs.register(IMAP_JOB, lambda: poll())
        periodic.append(IMAP_JOB)
    return periodic

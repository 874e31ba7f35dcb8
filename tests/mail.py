"""A mail backend for tests whose mail server refuses one recipient.

Everything else is delivered to ``django.core.mail.outbox`` as by Django's
locmem backend; mail for ``REFUSED`` raises the error an SMTP server gives
for an unknown mailbox, and mail for ``CRASHES`` stops the process mid-send
(as a worker that is killed).
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend

REFUSED = "kapot@gemeente.example"
CRASHES = "crash@gemeente.example"


class RefusesOneRecipient(EmailBackend):
    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            if REFUSED in message.recipients():
                raise smtplib.SMTPRecipientsRefused({REFUSED: (550, b"5.1.1 Mailbox unavailable")})
            if CRASHES in message.recipients():
                raise SystemExit("worker killed")
        return super().send_messages(messages)

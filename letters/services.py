"""Letters to households: one for a case at once, or many in a print run in the background.

Sending a letter is a contact attempt by letter (``cases.casework.record_contact_attempt``:
its permission, its state rules, its deadlines and its access-log entry), and
the letter itself is a read of the household's name and address, logged as
``case.letter.read``. A print run keeps its PDF sealed in the database
(``helpers.crypto.encrypt_chunks``), never in the clear on disk; its task
takes the run's id only.
"""

from __future__ import annotations

import datetime
import io
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import record, record_many
from cases import casework, permissions, trays, workflow
from cases.models import Case, ContactAttempt, State
from coordination.models import Role, User
from helpers.crypto import DecryptionError, decrypt_chunks, encrypt_chunks
from helpers.errors import Conflict
from signals.models import Signal

from . import pdf, placeholders, selectors
from .models import LetterTemplate, PrintRun, PrintRunItem

logger = logging.getLogger(__name__)

_SIGNAL_FIELDS = (
    "case_id",
    "received_at",
    "initials",
    "given_names",
    "surname_prefix",
    "surname",
    "street",
    "house_number",
    "house_number_addition",
    "postcode",
    "city",
)


@dataclass(frozen=True)
class Addressee:
    name: str
    address: tuple[str, ...]


def _joined(*parts: str | None) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


def _addressee_of(named: Signal | None, placed: Signal | None) -> Addressee:
    name = ""
    if named is not None:
        name = _joined(named.given_names or named.initials, named.surname_prefix, named.surname)
    lines: list[str] = []
    if placed is not None:
        number = _joined(placed.house_number) + (
            f"-{placed.house_number_addition.strip()}" if placed.house_number_addition else ""
        )
        street = _joined(placed.street, number)
        if street:
            lines.append(street)
        town = _joined(placed.postcode, placed.city)
        if town:
            lines.append(town)
    return Addressee(name=name, address=tuple(lines))


def addressees(case_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Addressee]:
    """Each case's household as a letter addresses it: the name and the address of its latest
    signals that have them. Part of a read the caller logs."""
    ids = list(case_ids)
    named: dict[uuid.UUID, Signal] = {}
    placed: dict[uuid.UUID, Signal] = {}
    signals = Signal.objects.filter(case_id__in=ids).only(*_SIGNAL_FIELDS).order_by("case_id", "-received_at")
    for signal in signals.iterator(chunk_size=500):
        case_id = signal.case_id
        if case_id is None:
            continue
        if case_id not in named and signal.surname:
            named[case_id] = signal
        if case_id not in placed and (signal.street or signal.postcode):
            placed[case_id] = signal
    return {case_id: _addressee_of(named.get(case_id), placed.get(case_id)) for case_id in ids}


def _today(language: str) -> str:
    with translation.override(language):
        return date_format(timezone.localdate(), "j F Y")


def compose(
    template: LetterTemplate, *, reference: str, addressee: Addressee, officer: User, today: str
) -> pdf.Letter:
    """The letter ``template`` makes for one household, every placeholder filled in."""
    values = {
        "naam": addressee.name,
        "adres": ", ".join(addressee.address),
        "kenmerk": reference,
        "medewerker": officer.get_full_name().strip() or officer.username,
        "telefoon": officer.phone,
        "datum": today,
    }
    return pdf.Letter(
        language=template.language,
        name=addressee.name,
        address=addressee.address,
        reference=reference,
        date=today,
        title=placeholders.fill(template.title, values),
        body=placeholders.fill(template.body, values),
    )


def _note(template: LetterTemplate) -> str:
    return _("Brief: %(template)s") % {"template": template.name}


def _log_letters(actor: User, role: str, object_type: str, object_id: str, cases: Sequence[Case]) -> None:
    """One ``case.letter.read`` per household whose letter is handed out."""
    record_many(
        [
            {
                "actor": actor,
                "role": role,
                "event_type": "read",
                "action": "case.letter.read",
                "object_type": object_type,
                "object_id": object_id,
                "case_id": case.pk,
                "subject_id": str(case.household_id),
            }
            for case in cases
        ]
    )


def _letter_role(actor: User) -> str:
    return next((role for role in selectors.LETTER_ROLES if actor.has_role(role)), "")


@transaction.atomic
def case_letter(*, actor: User, case_id: uuid.UUID, template_id: Any) -> tuple[Case, bytes]:
    """The letter ``template_id`` for the household of ``case_id`` as a PDF, recorded as a
    contact attempt by letter and logged as a read.

    404 for a template or case the actor does not see; PermissionDenied or
    Conflict as ``record_contact_attempt`` decides.
    """
    template = selectors.template_for(actor, template_id)
    attempt = casework.record_contact_attempt(
        actor=actor,
        case_id=case_id,
        channel=ContactAttempt.Channel.LETTER,
        result=ContactAttempt.Result.NOT_REACHED,
        note=_note(template),
    )
    case = attempt.case
    letter = compose(
        template,
        reference=case.reference,
        addressee=addressees([case.pk])[case.pk],
        officer=actor,
        today=_today(template.language),
    )
    _log_letters(actor, _letter_role(actor), "letter_template", str(template.pk), [case])
    return case, pdf.render([letter], title=letter.title)


# ---------------------------------------------------------------- print runs


def _case_ids(cases: Iterable[Any] | QuerySet[Case]) -> list[uuid.UUID]:
    if isinstance(cases, QuerySet):
        return list(dict.fromkeys(cases.values_list("pk", flat=True)))
    ids: list[uuid.UUID] = []
    for case in cases:
        ids.append(case.pk if isinstance(case, Case) else uuid.UUID(str(case)))
    return list(dict.fromkeys(ids))


@transaction.atomic
def start_print_run(
    *, actor: User, template: LetterTemplate | int, cases: Iterable[Any] | QuerySet[Case]
) -> PrintRun:
    """Start a print run: one PDF with a letter for each of ``cases`` (ids, cases or a queryset,
    in the order given) that has had no letter yet, each recorded as a contact attempt by letter.

    Every case must be in the actor's scope: one that is not (or does not
    exist) is a ValidationError on ``cases`` naming the ids given, which tells
    nothing about cases the actor cannot see. The work is done after commit
    by ``letters.tasks.make_print_run`` with the run's id.
    """
    if not actor.has_role(*selectors.LETTER_ROLES):
        raise PermissionDenied(_("U mag geen brieven versturen."))
    if not isinstance(template, LetterTemplate) or not template.active:
        template = selectors.template_for(
            actor, template.pk if isinstance(template, LetterTemplate) else template
        )
    ids = _case_ids(cases)
    if not ids:
        raise ValidationError({"cases": [_("Kies ten minste één casus.")]})
    limit = settings.LETTER_RUN_MAX_CASES
    if len(ids) > limit:
        raise ValidationError(
            {"cases": [_("Eén printrun heeft ten hoogste %(max)s casussen.") % {"max": limit}]}
        )
    seen = set(permissions.cases_for(actor).filter(pk__in=ids).values_list("pk", flat=True))
    missing = [str(case_id) for case_id in ids if case_id not in seen]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise ValidationError({"cases": [_("Deze casussen zijn niet gevonden: %(ids)s.") % {"ids": shown}]})
    run = PrintRun.objects.create(
        template=template,
        created_by=actor,
        total=len(ids),
        language=translation.get_language() or "",
    )
    PrintRunItem.objects.bulk_create(
        [PrintRunItem(run=run, position=n, case_id=case_id) for n, case_id in enumerate(ids, start=1)]
    )
    record(
        actor=actor,
        role=_letter_role(actor),
        event_type="write",
        action="letter.run.create",
        object_type="print_run",
        object_id=str(run.pk),
        detail={"template": template.pk, "cases": len(ids)},
    )
    from . import tasks  # the task module imports this one

    transaction.on_commit(lambda: tasks.make_print_run.delay(str(run.pk)))
    return run


_ITEM_REFUSALS = (Http404, PermissionDenied, Conflict, ValidationError)


def _refusal(exc: Exception) -> str:
    if isinstance(exc, Http404):
        return _("Deze casus is niet (meer) in uw overzicht.")
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)[:300]
    return (str(exc) or _("Niet toegestaan."))[:300]


def _send(run: PrintRun, actor: User, item: PrintRunItem) -> str:
    """Record the letter on the item's case, or skip a case that has had one."""
    # The lock makes a run and someone sending a letter by hand take turns.
    case = permissions.locked_case(actor, item.case_id)
    if ContactAttempt.objects.filter(case=case, channel=ContactAttempt.Channel.LETTER).exists():
        return PrintRunItem.Outcome.SKIPPED
    if case.state == State.NEW and actor.has_role(Role.TRIAGE):
        # A letter from the intake starts the officer's work on the case: it is claimed
        # first (a transition in its timeline and the access log), as by hand.
        workflow.claim(actor=actor, case_id=case.pk)
    casework.record_contact_attempt(
        actor=actor,
        case_id=case.pk,
        channel=ContactAttempt.Channel.LETTER,
        result=ContactAttempt.Result.NOT_REACHED,
        note=_note(run.template),
    )
    return PrintRunItem.Outcome.LETTER


_COUNTERS: dict[str, str] = {
    PrintRunItem.Outcome.LETTER: "letters",
    PrintRunItem.Outcome.SKIPPED: "skipped",
    PrintRunItem.Outcome.FAILED: "failed",
}


def _settle(run: PrintRun, item_id: int, outcome: str, error: str = "") -> None:
    PrintRunItem.objects.filter(pk=item_id).update(outcome=outcome, error=error, handled_at=timezone.now())
    counter = _COUNTERS[outcome]
    PrintRun.objects.filter(pk=run.pk).update(done=F("done") + 1, **{counter: F(counter) + 1})


def _claim(item_id: int) -> PrintRunItem | None:
    """The item, locked, if no other worker holds it and it is not handled yet."""
    return PrintRunItem.objects.select_for_update(skip_locked=True).filter(pk=item_id, outcome="").first()


def _handle(run: PrintRun, actor: User, item_id: int) -> None:
    """One case, in its own transaction: one refused case does not hold up the others."""
    try:
        with transaction.atomic():
            item = _claim(item_id)
            if item is None:
                return
            _settle(run, item_id, _send(run, actor, item))
    except _ITEM_REFUSALS as exc:
        with transaction.atomic():
            if _claim(item_id) is not None:
                _settle(run, item_id, PrintRunItem.Outcome.FAILED, _refusal(exc))


def start_tray_print_run(*, actor: User, template: LetterTemplate | int, tray_id: int) -> PrintRun:
    """A print run for a work tray: a letter for each of its open cases in the actor's scope
    that has had no letter yet, in queue order, at most ``LETTER_RUN_MAX_CASES`` (the next run
    takes the rest). 404 for a tray the actor does not work with."""
    tray = trays.tray_in_scope(actor, tray_id)
    waiting = trays.cases_in_tray(actor, tray).exclude(contacts__channel=ContactAttempt.Channel.LETTER)
    ids = list(waiting.values_list("pk", flat=True)[: settings.LETTER_RUN_MAX_CASES])
    if not ids:
        raise ValidationError({"tray": [_("In deze werkbak staat geen casus meer zonder brief.")]})
    return start_print_run(actor=actor, template=template, cases=ids)


def _binding(run_id: uuid.UUID) -> bytes:
    return f"letters_printrun|sealed|{run_id}".encode()


def _finish(run: PrintRun, actor: User) -> None:
    items = list(
        PrintRunItem.objects.filter(run=run, outcome=PrintRunItem.Outcome.LETTER)
        .select_related("case")
        .only("case_id", "case__reference")
        .order_by("position")
    )
    sealed: bytes | None = None
    if items:
        found = addressees(item.case_id for item in items)
        today = _today(run.template.language)
        letters = [
            compose(
                run.template,
                reference=item.case.reference,
                addressee=found[item.case_id],
                officer=actor,
                today=today,
            )
            for item in items
        ]
        sink = io.BytesIO()
        encrypt_chunks([pdf.render(letters, title=run.template.title)], sink, _binding(run.pk))
        sealed = sink.getvalue()
    PrintRun.objects.filter(pk=run.pk, state=PrintRun.State.PROCESSING).update(
        state=PrintRun.State.DONE, sealed=sealed, finished_at=timezone.now()
    )


def process_print_run(run_id: uuid.UUID) -> PrintRun:
    """Make a run's letters: what the task calls. A redelivered task resumes after the last
    handled case; two workers on one run share its cases and only one stores the PDF."""
    run = PrintRun.objects.defer("sealed").select_related("template").get(pk=run_id)
    if run.state in {PrintRun.State.DONE, PrintRun.State.FAILED}:
        return run
    PrintRun.objects.filter(pk=run.pk, state=PrintRun.State.PENDING).update(state=PrintRun.State.PROCESSING)
    actor = User.objects.with_roles().get(pk=run.created_by_id)
    with translation.override(run.language or settings.LANGUAGE_CODE):
        pending = run.items.filter(outcome="").order_by("position").values_list("pk", flat=True)
        for item_id in list(pending):
            _handle(run, actor, item_id)
        if not run.items.filter(outcome="").exists():
            try:
                _finish(run, actor)
            except Exception as exc:
                # ReportLab's messages can quote the text it was given: the class name only.
                logger.error("print run %s: the PDF failed (%s)", run.pk, type(exc).__name__)
                PrintRun.objects.filter(pk=run.pk, state=PrintRun.State.PROCESSING).update(
                    state=PrintRun.State.FAILED,
                    failure=_("Het PDF-bestand kon niet worden gemaakt."),
                    finished_at=timezone.now(),
                )
    run.refresh_from_db(fields=["state", "done", "letters", "skipped", "failed", "failure", "finished_at"])
    return run


@transaction.atomic
def run_pdf(*, actor: User, run_id: uuid.UUID) -> tuple[PrintRun, bytes]:
    """The run's PDF, opened, after one ``case.letter.read`` per household in it.

    404 for a run that is not the actor's; Conflict while it is being made or
    when it holds no letters.
    """
    run = selectors.run_for(actor, run_id)
    if run.state != PrintRun.State.DONE:
        raise Conflict(_("De printrun is nog niet klaar."))
    if run.removed_at is not None:
        raise Conflict(
            _("Het PDF-bestand is %(hours)s uur na het maken verwijderd. Maak de brieven per casus opnieuw.")
            % {"hours": settings.LETTER_RUN_KEEP_HOURS}
        )
    sealed = PrintRun.objects.filter(pk=run.pk).values_list("sealed", flat=True).get()
    if not sealed:
        raise Conflict(_("In deze printrun zit geen enkele brief."))
    cases = [
        item.case
        for item in PrintRunItem.objects.filter(run=run, outcome=PrintRunItem.Outcome.LETTER)
        .select_related("case")
        .only("case__id", "case__household_id")
        .order_by("position")
    ]
    _log_letters(actor, _letter_role(actor), "print_run", str(run.pk), cases)
    try:
        return run, b"".join(decrypt_chunks(io.BytesIO(bytes(sealed)), _binding(run.pk)))
    except DecryptionError:
        # Sealed under a key since retired: nothing is served, and the entries roll back.
        logger.error("print run %s: the PDF does not open", run.pk)
        raise Conflict(
            _("Het PDF-bestand kan niet meer worden geopend. Maak de brieven per casus opnieuw.")
        ) from None


def forget_old_pdfs(now: datetime.datetime | None = None) -> int:
    """Remove the PDFs of runs made more than ``settings.LETTER_RUN_KEEP_HOURS`` ago: they hold
    names and addresses that are not needed once the letters are printed. Returns how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.LETTER_RUN_KEEP_HOURS)
    return PrintRun.objects.filter(sealed__isnull=False, finished_at__lt=cutoff).update(
        sealed=None, removed_at=now
    )

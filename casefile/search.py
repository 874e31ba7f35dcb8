"""Finding a household's case: the search API and the search page.

Both ask ``cases.search`` (blind indexes, the actor's scope, the access log);
this layer adds what it can read and ``cases`` cannot: a signal's reference
leads to the signal's case.

The page posts its form and answers with the results in the same response:
what was searched for (a BSN, a name and date of birth, an address) never
appears in a URL, so it stays out of server logs, proxies and browser
history. The API takes the contract's query parameters on ``GET`` and the same
fields as a JSON body on ``POST``, which partner systems should prefer for the
same reason.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from cases import search
from cases.matching import normalise_postcode
from cases.models import Case
from coordination.api_access import actor_of, role_permission
from coordination.models import CASE_ROLES, User
from coordination.web_access import actor_of as web_actor_of
from coordination.web_access import role_required
from helpers.forms import FormField, WebForm, flatten_errors
from helpers.serializers import StrictSerializer
from signals.models import Signal

from .serializers import CaseListSerializer

_BSN = re.compile(r"^\d{8,9}$")
_REFERENCE = re.compile(r"^[CS]-[0-9A-Z][0-9A-Z-]{3,30}$")
KIND_LABELS = {
    search.Kind.BSN: gettext_lazy("BSN"),
    search.Kind.NAME: gettext_lazy("achternaam en geboortedatum"),
    search.Kind.ADDRESS: gettext_lazy("postcode en huisnummer"),
    search.Kind.REFERENCE: gettext_lazy("referentie"),
}


class SearchInputSerializer(StrictSerializer):
    """One kind of search: a BSN; a surname with a date of birth; a postcode with a
    house number (and addition); or a case or signal reference. Messages name the
    field, never the value."""

    bsn = serializers.CharField(max_length=20, required=False, allow_blank=True)
    surname = serializers.CharField(max_length=200, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    house_number = serializers.CharField(max_length=10, required=False, allow_blank=True)
    house_number_addition = serializers.CharField(max_length=10, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=40, required=False, allow_blank=True)

    def validate_bsn(self, value: str) -> str:
        compact = re.sub(r"[\s.\-]", "", value)
        if compact and not _BSN.match(compact):
            raise serializers.ValidationError(_("Een BSN heeft 9 cijfers."))
        return compact

    def validate_reference(self, value: str) -> str:
        compact = value.strip().upper()
        if compact and not _REFERENCE.match(compact):
            raise serializers.ValidationError(_("Een referentie begint met C- (casus) of S- (signaal)."))
        return compact

    def validate_house_number(self, value: str) -> str:
        if value.strip() and not re.search(r"\d", value):
            raise serializers.ValidationError(_("Een huisnummer bevat cijfers."))
        return value.strip()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = {
            search.Kind.BSN: bool(attrs.get("bsn")),
            search.Kind.NAME: bool(attrs.get("surname") or attrs.get("date_of_birth")),
            search.Kind.ADDRESS: bool(
                attrs.get("postcode") or attrs.get("house_number") or attrs.get("house_number_addition")
            ),
            search.Kind.REFERENCE: bool(attrs.get("reference")),
        }
        kinds = [kind for kind, present in given.items() if present]
        if not kinds:
            raise serializers.ValidationError(
                _(
                    "Zoek op BSN, op achternaam en geboortedatum, op postcode en huisnummer "
                    "of op een referentie."
                )
            )
        if len(kinds) > 1:
            raise serializers.ValidationError(_("Zoek op één ding tegelijk."))
        kind = kinds[0]
        missing: dict[str, str] = {}
        if kind == search.Kind.NAME:
            if not attrs.get("surname", "").strip():
                missing["surname"] = _("Geef ook de achternaam.")
            if not attrs.get("date_of_birth"):
                missing["date_of_birth"] = _("Geef ook de geboortedatum.")
        if kind == search.Kind.ADDRESS:
            if not attrs.get("postcode", "").strip():
                missing["postcode"] = _("Geef ook de postcode.")
            elif normalise_postcode(attrs["postcode"]) is None:
                missing["postcode"] = _("Dit is geen Nederlandse postcode (1234 AB).")
            if not attrs.get("house_number"):
                missing["house_number"] = _("Geef ook het huisnummer.")
        if missing:
            raise serializers.ValidationError(missing)
        attrs["kind"] = kind
        return attrs


def find(actor: User, body: dict[str, Any]) -> list[Case]:
    """The cases a validated search finds in the actor's scope (logged by ``cases.search``)."""
    query = search.Query(
        kind=body["kind"],
        bsn=body.get("bsn", ""),
        surname=body.get("surname", ""),
        date_of_birth=body.get("date_of_birth"),
        postcode=body.get("postcode", ""),
        house_number=body.get("house_number", ""),
        house_number_addition=body.get("house_number_addition", ""),
        reference=body.get("reference", ""),
    )
    also = None
    if query.kind == search.Kind.REFERENCE:
        # A signal's reference leads to its case.
        also = Signal.objects.filter(reference=query.reference, case__isnull=False).values_list(
            "case_id", flat=True
        )
    return search.search_cases_logged(actor, query, also=also)


# ---------------------------------------------------------------- API

_RESULTS = inline_serializer("SearchResults", {"results": CaseListSerializer(many=True)})


class SearchApi(GenericAPIView[Any]):
    """Find a household's cases within your own scope; no plaintext is compared."""

    permission_classes = [role_permission(*CASE_ROLES)]
    serializer_class = SearchInputSerializer

    @extend_schema(
        operation_id="v1_search",
        parameters=[
            OpenApiParameter("bsn", str, description="9 digits."),
            OpenApiParameter("surname", str, description="With `date_of_birth`."),
            OpenApiParameter("date_of_birth", str, description="YYYY-MM-DD, with `surname`."),
            OpenApiParameter("postcode", str, description="With `house_number`."),
            OpenApiParameter("house_number", str),
            OpenApiParameter("house_number_addition", str),
            OpenApiParameter("reference", str, description="A case (C-…) or signal (S-…) reference."),
        ],
        responses={200: _RESULTS},
        description="The values travel in the URL: prefer `POST` with the same fields as a JSON body.",
    )
    def get(self, request: Request) -> Response:
        return self._answer(request, request.query_params.dict())

    @extend_schema(operation_id="v1_search_post", request=SearchInputSerializer, responses={200: _RESULTS})
    def post(self, request: Request) -> Response:
        return self._answer(request, request.data)

    def _answer(self, request: Request, data: Any) -> Response:
        body = SearchInputSerializer(data=data)
        body.is_valid(raise_exception=True)
        hits = find(actor_of(request), dict(body.validated_data))
        return Response({"results": CaseListSerializer(hits, many=True).data})


# ---------------------------------------------------------------- the page


def search_form() -> WebForm:
    return WebForm(
        "search",
        [
            FormField("bsn", _("BSN"), inputmode="numeric", autocomplete="off", width="m"),
            FormField("surname", _("Achternaam"), autocomplete="off", hint=_("Met geboortedatum.")),
            FormField("date_of_birth", _("Geboortedatum"), kind="date", autocomplete="off"),
            FormField("postcode", _("Postcode"), autocomplete="off", width="s", hint=_("Met huisnummer.")),
            FormField("house_number", _("Huisnummer"), autocomplete="off", width="s", inputmode="numeric"),
            FormField("house_number_addition", _("Toevoeging"), autocomplete="off", width="s"),
            FormField(
                "reference", _("Referentie"), autocomplete="off", hint=_("C-… (casus) of S-… (signaal).")
            ),
        ],
    )


_QUICK_ADDRESS = re.compile(r"^(\d{4}\s*[A-Za-z]{2})[\s,]+(\d+)(?:\s*-?\s*([A-Za-z0-9]{1,4}))?$")
_QUICK_NAME = re.compile(r"^(.*?\D)\s+(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def quick_body(text: str) -> dict[str, str]:
    """The header's one search box, read as one kind of search: a reference, a BSN,
    "1234 AB 12", or "surname dd-mm-yyyy". Empty when it reads as none."""
    text = " ".join(text.split())
    compact = re.sub(r"[\s.]", "", text)
    if re.match(r"^[CcSs]-", text):
        return {"reference": text}
    if _BSN.match(compact):
        return {"bsn": compact}
    address = _QUICK_ADDRESS.match(text)
    if address:
        return {
            "postcode": address.group(1),
            "house_number": address.group(2),
            "house_number_addition": address.group(3) or "",
        }
    name = _QUICK_NAME.match(text)
    if name:
        day, month, year = name.group(2), name.group(3), name.group(4)
        return {"surname": name.group(1), "date_of_birth": f"{year}-{int(month):02d}-{int(day):02d}"}
    return {}


@role_required(*CASE_ROLES)
def search_page(request: HttpRequest) -> HttpResponse:
    """``GET``: the empty form; ``POST``: the form again with its results (no redirect,
    so the values never reach a URL)."""
    form = search_form()
    context: dict[str, Any] = {"form": form, "searched": False, "rows": []}
    status = 200
    if request.method == "POST":
        if "q" in request.POST:
            data = quick_body(request.POST.get("q", ""))
            if not data:
                form.errors.append(
                    _(
                        "Niet herkend. Gebruik het formulier: zoek op BSN, op achternaam en "
                        "geboortedatum, op postcode en huisnummer of op een referentie."
                    )
                )
        else:
            data = {name: request.POST.get(name, "") for name in form.fields}
        form.bind(data)
        if data:
            body = SearchInputSerializer(data={k: v for k, v in data.items() if v})
            if body.is_valid():
                context["rows"] = find(web_actor_of(request), dict(body.validated_data))
                context["searched"] = True
                context["kind_label"] = KIND_LABELS[body.validated_data["kind"]]
            else:
                form.add_errors(flatten_errors(body.errors))
        if form.has_errors:
            status = 400
    return render(request, "cases/search.html", context, status=status)

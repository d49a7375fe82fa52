"""Every admin add and change page of the portal's own models saves what is valid and refuses
what is not with a Dutch message, storing nothing.

Each page posts the form as the browser would (`post_data`), filled in as an editor would. An
invalid case starts from that valid entry and breaks one thing, so that the refusal can only
come from that one thing.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from afspraken.models import Indicator, Partij, Status, Verbeterafspraak
from rapportages.models import Rapportage
from tests.adminforms import post_data
from tests.factories import (
    EditieFactory,
    IndicatorFactory,
    RapportageFactory,
    ThemaFactory,
    TrajectFactory,
    UserFactory,
    VoortgangsupdateFactory,
)
from trajecten.models import Thema, Traject

pytestmark = pytest.mark.django_db

OWN_APPS = ["trajecten", "afspraken", "rapportages"]
REQUIRED = "Dit veld is verplicht."
# Django marks each row of a pair that an inline holds twice.
DUPLICATE_ROWS = "Corrigeer de dubbele waarden hieronder."


@pytest.fixture
def rows(afspraak, alice, niv, zn):
    """The `afspraak` fixture with one update, its trajectory, themes and parties; a second
    trajectory with a theme of the same name; a published report; and a user of no party."""
    dvt = afspraak.traject
    osa = TrajectFactory(naam="Obstructieve slaapapneu", slug="obstructieve-slaapapneu")
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=datetime.date(2022, 10, 1))
    rapportage = RapportageFactory(traject=dvt, jaar=2023, titel="Voortgang DVT 2023")
    EditieFactory(rapportage=rapportage)
    return SimpleNamespace(
        traject=dvt,
        thema=afspraak.thema,
        behandeling=ThemaFactory(traject=dvt, naam="Behandeling", volgorde=2),
        ander_thema=ThemaFactory(traject=osa, naam="Diagnostiek", volgorde=1),
        afspraak=afspraak,
        partij=afspraak.regiehouder,
        niv=niv,
        zn=zn,
        alice=alice,
        nieuw=UserFactory(username="nieuw"),
        rapportage=rapportage,
        indicator=IndicatorFactory(verbeterafspraak=afspraak),
    )


def _add_row(data: dict, prefix: str, **fields) -> None:
    """Fill in one more inline row, as after a click on 'Nog een … toevoegen'."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = str(value)


def _row(data: dict, prefix: str, **shown) -> str:
    """The prefix of the inline row that shows these values, such as 'faseperiodes-2'."""
    for index in range(int(data[f"{prefix}-TOTAL_FORMS"])):
        row = f"{prefix}-{index}"
        if all(data.get(f"{row}-{name}") == str(value) for name, value in shown.items()):
            return row
    raise AssertionError(f"no {prefix} row shows {shown}")


# Valid entries, and what each must have stored.


def _new_traject(data, rows):
    data.update(naam="Hartfalen", slug="hartfalen", domein="Hart, vaat en long")
    _add_row(data, "faseperiodes", fase="screening", startdatum="2024-01-01", einddatum="")
    _add_row(data, "themas", volgorde=1, naam="Diagnostiek")


def _traject_added(rows):
    traject = Traject.objects.get(slug="hartfalen")
    assert [(p.fase, p.einddatum) for p in traject.faseperiodes.all()] == [("screening", None)]
    assert [t.naam for t in traject.themas.all()] == ["Diagnostiek"]


def _evaluatie_begins(data, rows):
    data["omschrijving"] = "Diagnostiek en behandeling van trombose."
    data[f"{_row(data, 'faseperiodes', fase='implementatie')}-einddatum"] = "2024-10-01"
    _add_row(data, "faseperiodes", fase="evaluatie", startdatum="2024-10-01", einddatum="")
    data[f"{_row(data, 'themas', naam='Behandeling')}-naam"] = "Behandeling en nazorg"


def _evaluatie_began(rows):
    traject = Traject.objects.get(pk=rows.traject.pk)
    assert traject.omschrijving == "Diagnostiek en behandeling van trombose."
    assert [p.fase for p in traject.faseperiodes.all()] == [
        "screening",
        "verdieping",
        "implementatie",
        "evaluatie",
    ]
    assert traject.huidige_fase() == "evaluatie"
    assert [t.naam for t in traject.themas.all()] == ["Diagnostiek", "Behandeling en nazorg"]


def _new_thema(data, rows):
    data.update(traject=rows.traject.pk, naam="Nazorg", volgorde=3)


def _thema_added(rows):
    assert [t.naam for t in rows.traject.themas.all()] == ["Diagnostiek", "Behandeling", "Nazorg"]


def _thema_renamed(rows):
    assert Thema.objects.get(pk=rows.thema.pk).naam == "Diagnostiek en verwijzing"


def _new_partij(data, rows):
    data.update(afkorting="NVvH", naam="Nederlandse Vereniging voor Heelkunde", soort="koepel")
    _add_row(data, "lidmaatschappen", user=rows.nieuw.pk)


def _partij_added(rows):
    partij = Partij.objects.get(afkorting="NVvH")
    assert partij.soort == Partij.Soort.KOEPEL
    assert list(partij.leden.all()) == [rows.nieuw]


def _partij_changes(data, rows):
    data["naam"] = "Nederlands Huisartsen Genootschap (NHG)"
    _add_row(data, "lidmaatschappen", user=rows.nieuw.pk)


def _partij_changed(rows):
    partij = Partij.objects.get(pk=rows.partij.pk)
    assert partij.naam == "Nederlands Huisartsen Genootschap (NHG)"
    assert {u.username for u in partij.leden.all()} == {"alice", "nieuw"}


def _new_afspraak(data, rows):
    data.update(
        traject=rows.traject.pk,
        thema=rows.behandeling.pk,
        nummer=2,
        titel="Start de behandeling in de eerste lijn",
        regiehouder=rows.niv.pk,
        streefjaar=2026,
    )
    data["betrokken_partijen"] = [str(rows.partij.pk)]


def _afspraak_added(rows):
    afspraak = Verbeterafspraak.objects.get(traject=rows.traject, nummer=2)
    assert (afspraak.thema, afspraak.regiehouder, afspraak.streefjaar) == (
        rows.behandeling,
        rows.niv,
        2026,
    )
    assert list(afspraak.betrokken_partijen.all()) == [rows.partij]


def _afspraak_changes(data, rows):
    data.update(titel="Voorkom onnodige verwijzing naar de tweede lijn", streefjaar=2025)
    data["betrokken_partijen"] = [*data["betrokken_partijen"], str(rows.zn.pk)]
    _add_row(
        data,
        "voortgangsupdates",
        peildatum="2024-01-15",
        status=Status.OP_SCHEMA,
        tekst="De werkgroep is gestart.",
        partij=rows.partij.pk,
    )


def _afspraak_changed(rows):
    afspraak = Verbeterafspraak.objects.get(pk=rows.afspraak.pk)
    assert afspraak.titel == "Voorkom onnodige verwijzing naar de tweede lijn"
    assert afspraak.streefjaar == 2025
    assert {p.afkorting for p in afspraak.betrokken_partijen.all()} == {"NIV", "ZN"}
    assert afspraak.voortgangsupdates.count() == 2
    update = afspraak.voortgangsupdates.first()  # the newest
    assert (update.peildatum, update.partij, update.auteur.username) == (
        datetime.date(2024, 1, 15),
        rows.partij,
        "redactie",
    )


def _new_rapportage(data, rows):
    data.update(
        soort="implementatie",
        traject="",
        jaar=2024,
        titel="Voortgangsrapportage implementatiefase 2024",
        peildatum="2024-11-01",
    )


def _rapportage_added(rows):
    rapportage = Rapportage.objects.get(soort="implementatie", jaar=2024)
    assert rapportage.traject is None
    assert rapportage.created_by.username == "redactie"


def _rapportage_changes(data, rows):
    data.update(titel="Voortgangsrapportage DVT 2023", inleiding="Dit jaar is veel bereikt.")


def _rapportage_changed(rows):
    rapportage = Rapportage.objects.get(pk=rows.rapportage.pk)
    assert (rapportage.titel, rapportage.inleiding) == (
        "Voortgangsrapportage DVT 2023",
        "Dit jaar is veel bereikt.",
    )


def _new_indicator(data, rows):
    data.update(
        traject=rows.traject.pk,
        verbeterafspraak=rows.afspraak.pk,
        naam="Thuisbehandeling bij laag risico",
        definitie="Thuis behandelde patiënten met een laag-risico longembolie, van allen.",
        eenheid=Indicator.Eenheid.PERCENTAGE,
        richting=Indicator.Richting.HOGER,
        basisjaar=2020,
        basiswaarde="28",
        streefjaar=2024,
        streefwaarde="50",
        bron="declaratiedata (DIS)",
        leverancier=rows.niv.pk,
        volgorde=2,
    )


def _indicator_added(rows):
    indicator = Indicator.objects.get(naam="Thuisbehandeling bij laag risico")
    assert (indicator.traject, indicator.verbeterafspraak) == (rows.traject, rows.afspraak)
    assert (indicator.basiswaarde, indicator.streefwaarde) == (28, 50)


def _indicator_changes(data, rows):
    data["streefwaarde"] = "25"
    _add_row(data, "metingen", jaar=2021, waarde="39", peildatum="2022-03-01", partij="")


def _indicator_changed(rows):
    indicator = Indicator.objects.get(pk=rows.indicator.pk)
    assert indicator.streefwaarde == 25
    assert [(m.jaar, m.waarde, m.auteur.username) for m in indicator.metingen.all()] == [
        (2021, 39, "redactie")
    ]


@dataclass
class Page:
    model: type
    fill: Callable[[dict, SimpleNamespace], None]  # a valid entry, on the form as shown
    check: Callable[[SimpleNamespace], None]  # asserts that the entry was stored
    obj: str = ""  # the attribute of `rows` that a change page shows; empty for an add page

    def url(self, rows) -> str:
        meta = self.model._meta
        if self.obj:
            pk = getattr(rows, self.obj).pk
            return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_add")


PAGES = {
    "traject-add": Page(Traject, _new_traject, _traject_added),
    "traject-change": Page(Traject, _evaluatie_begins, _evaluatie_began, obj="traject"),
    "thema-add": Page(Thema, _new_thema, _thema_added),
    "thema-change": Page(
        Thema,
        lambda data, rows: data.update(naam="Diagnostiek en verwijzing"),
        _thema_renamed,
        obj="thema",
    ),
    "partij-add": Page(Partij, _new_partij, _partij_added),
    "partij-change": Page(Partij, _partij_changes, _partij_changed, obj="partij"),
    "verbeterafspraak-add": Page(Verbeterafspraak, _new_afspraak, _afspraak_added),
    "verbeterafspraak-change": Page(
        Verbeterafspraak, _afspraak_changes, _afspraak_changed, obj="afspraak"
    ),
    "rapportage-add": Page(Rapportage, _new_rapportage, _rapportage_added),
    "indicator-add": Page(Indicator, _new_indicator, _indicator_added),
    "indicator-change": Page(Indicator, _indicator_changes, _indicator_changed, obj="indicator"),
    "rapportage-change": Page(
        Rapportage, _rapportage_changes, _rapportage_changed, obj="rapportage"
    ),
}


# Invalid entries: what breaks the page's valid entry, and the messages the editor sees.


def _phase_ends_before_it_starts(data, rows):
    data[f"{_row(data, 'faseperiodes', fase='screening')}-einddatum"] = "2017-12-01"


def _second_screening(data, rows):
    _add_row(data, "faseperiodes", fase="screening", startdatum="2025-01-01", einddatum="")


def _thema_twice(data, rows):
    _add_row(data, "themas", volgorde=3, naam="Diagnostiek")


def _delete_thema_with_afspraak(data, rows):
    data[f"{_row(data, 'themas', naam='Diagnostiek')}-DELETE"] = "on"


def _member_twice(data, rows):
    _add_row(data, "lidmaatschappen", user=rows.alice.pk)


def _new_member_twice(data, rows):
    _add_row(data, "lidmaatschappen", user=rows.nieuw.pk)


def _expected_date_before_peildatum(data, rows):
    row = _row(data, "voortgangsupdates", peildatum="2024-01-15")
    data.update(
        {
            f"{row}-status": Status.VERTRAAGD,
            f"{row}-toelichting": "De werkgroep is later begonnen.",
            f"{row}-verwachte_datum": "2023-12-31",
        }
    )


def _stop_unexplained(data, rows):
    row = _row(data, "voortgangsupdates", peildatum="2024-01-15")
    data[f"{row}-status"] = Status.GESTOPT


def _meting_row(data, rows) -> str:
    return _row(data, "metingen", jaar="2021")


SOORT_EN_TRAJECT = (
    "Een trajectrapportage en een eindevaluatie horen bij een traject; de implementatiebrede "
    "rapportage niet."
)

INVALID = [
    (
        "indicator-add",
        lambda data, rows: data.update(basiswaarde="101"),
        "Een percentage ligt tussen 0 en 100.",
    ),
    (
        "indicator-add",
        lambda data, rows: data.update(streefjaar=""),
        "Vul streefjaar en streefwaarde allebei in, of geen van beide.",
    ),
    (
        "indicator-change",
        lambda data, rows: data.update({f"{_meting_row(data, rows)}-waarde": "140"}),
        "Een percentage ligt tussen 0 en 100.",
    ),
    (
        "indicator-change",
        lambda data, rows: data.update({f"{_meting_row(data, rows)}-jaar": "2019"}),
        "Het jaar ligt vóór het basisjaar van deze indicator (2020).",
    ),
    ("traject-add", lambda data, rows: data.update(naam=""), REQUIRED),
    (
        "traject-add",
        lambda data, rows: data.update(naam=rows.traject.naam),
        "Er bestaat al een Traject met eenzelfde Naam.",
    ),
    (
        "traject-add",
        _second_screening,
        ("Corrigeer de dubbele gegevens voor fase.", DUPLICATE_ROWS),
    ),
    (
        "traject-add",
        _phase_ends_before_it_starts,
        "De einddatum van een fase moet na de startdatum liggen.",
    ),
    (
        "traject-change",
        lambda data, rows: data.update(overgedragen_aan="Zorgevaluatie en Gepast Gebruik"),
        "Vul ‘overgedragen aan’ alleen in bij een overgedragen traject.",
    ),
    (
        "traject-change",
        _phase_ends_before_it_starts,
        "De einddatum van een fase moet na de startdatum liggen.",
    ),
    (
        "traject-change",
        lambda data, rows: data.update(slug="obstructieve-slaapapneu"),
        "Er bestaat al een Traject met eenzelfde Slug.",
    ),
    ("traject-change", _second_screening, "Elke fase komt maar één keer voor in een traject."),
    ("traject-change", _thema_twice, "Dit traject heeft al een thema met deze naam."),
    (
        "traject-change",
        _delete_thema_with_afspraak,
        "Het verwijderen van thema Diagnostiek vereist het verwijderen van de volgende "
        "beschermde gerelateerde objecten: verbeterafspraak 1. Voorkom onnodige verwijzing",
    ),
    ("thema-add", lambda data, rows: data.update(traject=""), REQUIRED),
    (
        "thema-add",
        lambda data, rows: data.update(naam="Behandeling"),
        "Dit traject heeft al een thema met deze naam.",
    ),
    ("thema-change", lambda data, rows: data.update(naam=""), REQUIRED),
    (
        "thema-change",
        lambda data, rows: data.update(naam="Behandeling"),
        "Dit traject heeft al een thema met deze naam.",
    ),
    ("partij-add", lambda data, rows: data.update(soort=""), REQUIRED),
    ("partij-add", _new_member_twice, ("Kies elke gebruiker maar één keer.", DUPLICATE_ROWS)),
    (
        "partij-add",
        lambda data, rows: data.update(afkorting="NHG"),
        "Er bestaat al een Partij met eenzelfde Afkorting.",
    ),
    (
        "partij-change",
        lambda data, rows: data.update(naam=rows.niv.naam),
        "Er bestaat al een Partij met eenzelfde Naam.",
    ),
    ("partij-change", _member_twice, "Deze gebruiker is al lid van deze partij."),
    (
        "verbeterafspraak-add",
        lambda data, rows: data.update(streefjaar=1900),
        "Vul een streefjaar tussen 2000 en 2100 in.",
    ),
    (
        "verbeterafspraak-add",
        lambda data, rows: data.update(nummer=rows.afspraak.nummer),
        "Dit traject heeft al een verbeterafspraak met dit nummer.",
    ),
    (
        "verbeterafspraak-add",
        lambda data, rows: data.update(thema=rows.ander_thema.pk),
        "Kies een thema van hetzelfde traject als de verbeterafspraak.",
    ),
    ("verbeterafspraak-change", lambda data, rows: data.update(titel=""), REQUIRED),
    (
        "verbeterafspraak-change",
        lambda data, rows: data.update(streefjaar=1900),
        "Vul een streefjaar tussen 2000 en 2100 in.",
    ),
    (
        "verbeterafspraak-change",
        _stop_unexplained,
        "Licht toe waarom de afspraak gestopt is.",
    ),
    (
        "verbeterafspraak-change",
        _expected_date_before_peildatum,
        "De nieuwe verwachte datum moet na de peildatum liggen.",
    ),
    (
        "rapportage-add",
        lambda data, rows: data.update(traject=rows.traject.pk),
        SOORT_EN_TRAJECT,
    ),
    ("rapportage-add", lambda data, rows: data.update(jaar="2024a"), "Voer een geheel getal in."),
    (
        "rapportage-add",
        lambda data, rows: data.update(jaar=1900),
        "Vul een verslagjaar tussen 2000 en 2100 in.",
    ),
    (
        "rapportage-add",
        lambda data, rows: data.update(soort="traject", traject=rows.traject.pk, jaar=2023),
        "Er is al een rapportage voor dit traject en dit jaar.",
    ),
    (
        "rapportage-add",
        lambda data, rows: data.update(soort="eindevaluatie"),
        SOORT_EN_TRAJECT,
    ),
    (
        "rapportage-add",
        lambda data, rows: data.update(publicatiedatum="2099-12-31"),
        "De publicatiedatum ligt niet in de toekomst.",
    ),
    (
        "rapportage-add",
        lambda data, rows: data.update(publicatiedatum="2024-01-01"),
        "De publicatiedatum ligt niet vóór de peildatum.",
    ),
    ("rapportage-change", lambda data, rows: data.update(peildatum=""), REQUIRED),
    (
        "rapportage-change",
        lambda data, rows: data.update(brief_datum="2021-03-16"),
        "Vul bij de brief aan de minister zowel de datum als het kenmerk in, of geen van beide.",
    ),
    (
        "rapportage-change",
        lambda data, rows: data.update(conclusies="Het doel is bereikt."),
        "Conclusies horen bij een eindevaluatie; schrijf ze bij een voortgangsrapportage in de "
        "inleiding of het vervolg.",
    ),
    (
        "rapportage-change",
        lambda data, rows: data.update(soort="implementatie"),
        SOORT_EN_TRAJECT,
    ),
]


def _editable_pages(user) -> set[str]:
    """The add and change pages of the portal's own models that the user may post to; the
    read-only ones (audit trails, progress updates) offer no form to refuse anything."""
    request = RequestFactory().get("/")
    request.user = user
    pages = set()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OWN_APPS:
            continue
        if model_admin.has_add_permission(request):
            pages.add(f"{model._meta.model_name}-add")
        if model_admin.has_change_permission(request):
            pages.add(f"{model._meta.model_name}-change")
    return pages


def _open(client, staff, page: Page, rows) -> dict:
    """Log in as staff, open the page and return what the browser would post back."""
    client.force_login(staff)
    response = client.get(page.url(rows))
    assert response.status_code == 200
    return post_data(response)


def _errors(response) -> list[str]:
    """Every error message on the admin form and its inlines."""
    form = response.context["adminform"].form
    errors = [message for messages in form.errors.values() for message in messages]
    for inline in response.context["inline_admin_formsets"]:
        errors.extend(inline.formset.non_form_errors())
        for inline_form in inline.formset.forms:
            errors.extend(m for messages in inline_form.errors.values() for m in messages)
    return errors


def _stored_rows() -> dict[str, list[dict]]:
    """Every row of the portal's own tables, their histories included."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for app in OWN_APPS
        for model in apps.get_app_config(app).get_models()
    }


def test_every_editable_admin_page_has_cases(staff):
    assert _editable_pages(staff) == set(PAGES)
    assert {page for page, _, _ in INVALID} == set(PAGES)


@pytest.mark.parametrize("page_id", PAGES)
def test_valid_input_is_saved(client, staff, rows, page_id):
    page = PAGES[page_id]
    data = _open(client, staff, page, rows)
    page.fill(data, rows)
    response = client.post(page.url(rows), data)
    assert response.status_code == 302, _errors(response)
    page.check(rows)


def _case_id(page: str, messages: str | tuple[str, ...]) -> str:
    first = messages if isinstance(messages, str) else messages[0]
    return f"{page}-{first[:40]}"


@pytest.mark.parametrize(
    ("page_id", "spoil", "messages"),
    INVALID,
    ids=[_case_id(page, messages) for page, _, messages in INVALID],
)
def test_invalid_input_is_refused_in_dutch(client, staff, rows, page_id, spoil, messages):
    expected = [messages] if isinstance(messages, str) else list(messages)
    page = PAGES[page_id]
    data = _open(client, staff, page, rows)
    page.fill(data, rows)
    spoil(data, rows)
    before = _stored_rows()
    response = client.post(page.url(rows), data)
    assert response.status_code == 200
    assert _errors(response) == expected
    for message in expected:
        assert escape(message) in response.text
    assert _stored_rows() == before


@pytest.mark.parametrize("page_id", PAGES)
def test_choice_lists_offer_each_option_once(client, staff, rows, page_id):
    client.force_login(staff)
    response = client.get(PAGES[page_id].url(rows))
    assert response.status_code == 200
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.extend(inline.formset.forms)
        forms.append(inline.formset.empty_form)
    for form in forms:
        for name, field in form.fields.items():
            values = [str(value) for value, _ in getattr(field, "choices", [])]
            assert len(values) == len(set(values)), f"{form.prefix or ''} {name}: {values}"


def test_a_theme_stays_with_its_trajectory(client, staff, rows):
    """Its agreements belong to the trajectory too, so the change page offers no way to move
    it: the trajectory is shown disabled, and a posted one is ignored."""
    page = PAGES["thema-change"]
    client.force_login(staff)
    response = client.get(page.url(rows))
    assert response.context["adminform"].form.fields["traject"].disabled
    assert 'id="add_id_traject"' not in response.text
    data = post_data(response)
    data.update(traject=rows.ander_thema.traject_id, naam="Verwijzing")
    assert client.post(page.url(rows), data).status_code == 302
    thema = Thema.objects.get(pk=rows.thema.pk)
    assert (thema.traject, thema.naam) == (rows.traject, "Verwijzing")


def test_moving_the_boundary_between_two_phases_is_saved(client, staff, rows):
    """The phases are saved one by one, so the verdiepingsfase overlaps the implementatiefase
    until both are saved; the database checks the phases at commit (on PostgreSQL)."""
    page = PAGES["traject-change"]
    data = _open(client, staff, page, rows)
    data[f"{_row(data, 'faseperiodes', fase='verdieping')}-einddatum"] = "2021-11-01"
    data[f"{_row(data, 'faseperiodes', fase='implementatie')}-startdatum"] = "2021-11-01"
    response = client.post(page.url(rows), data)
    assert response.status_code == 302, _errors(response)
    assert rows.traject.faseperiodes.get(fase="implementatie").startdatum == datetime.date(
        2021, 11, 1
    )

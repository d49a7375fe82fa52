"""The demo data set: realistic trajectories, parties, agreements and progress.

The YAML beside this module is the project's own copy of the shared reference data.
Loading is idempotent: every row is found by its natural key and written only when it differs,
so a second run changes nothing, not even the audit trail. Progress goes through
`rapporteer_voortgang`, like every other way of adding it, oldest first with its real dates.
"""

import base64
import datetime
from decimal import Decimal
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from afspraken.models import (
    Indicator,
    Lidmaatschap,
    Partij,
    Status,
    Verbeterafspraak,
    Voortgangsupdate,
)
from afspraken.services import meld_meting, rapporteer_voortgang
from portal.groups import ensure_beheergroep, ensure_redactiegroep
from portal.mfa import TOTP_DEVICE_NAME
from rapportages.models import Rapportage
from rapportages.services import publiceer_rapportage
from trajecten.models import Faseperiode, Thema, Traject
from uitvragen.models import Uitvraag, Werkitem

from .uitvragen import load_uitvragen

DATA_FILE = Path(__file__).with_name("verbetertrajecten.yaml")
INDICATOREN_FILE = Path(__file__).with_name("indicatoren.yaml")
EENHEID_BY_UNIT = {
    "%": Indicator.Eenheid.PERCENTAGE,
    "aantal": Indicator.Eenheid.AANTAL,
    "per 1.000": Indicator.Eenheid.PER_1000,
    "€": Indicator.Eenheid.EURO,
    "weken": Indicator.Eenheid.WEKEN,
}
RICHTING_BY_BETTER = {"higher": Indicator.Richting.HOGER, "lower": Indicator.Richting.LAGER}
# The figures of year N are known from 1 March of N + 1.
METING_PEILDATUM = (3, 1)
DEMO_PASSWORD = "demo"
# Demo account name -> abbreviation of the party its user belongs to.
DEMO_ACCOUNTS = {
    "nhg": "NHG",
    "niv": "NIV",
    "nvvh": "NVvH",
    "patientenfederatie": "PFNL",
    "zn": "ZN",
    "nvalt": "NVALT",
    "kngf": "KNGF",
}
# The staff accounts' authenticator-app secrets (base32), known so that the demo works without
# a phone: `loaddemo` prints them, `manage.py totp_code <account>` prints the current code.
DEMO_TOTP_SECRETS = {
    "redactie": "DT3IIUBF5LQYFIMBFLB2TA2MISFW66PQ",
    "beheerder": "7CY7XYMOIQY5A5D2VQZQRD35V6JNOCGA",
}
PROGRESS_PEILDATUM = (10, 1)  # progress of year N is reported per 1 October of N
# Implementation-wide reports to the Minister, first sent in November 2022: year -> the date
# it was published.
IMPLEMENTATIE_PUBLISHED = {2022: datetime.date(2022, 11, 30), 2023: datetime.date(2023, 11, 30)}

SOORT_BY_LABEL = {label.lower(): value for value, label in Partij.Soort.choices}
STATUS_BY_LABEL = {label.lower(): value for value, label in Status.choices}


def read_data() -> dict:
    with DATA_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@transaction.atomic
def load_demo(*, publish: bool = True) -> dict[str, int]:
    """Load the demo data; `publish=False` leaves every report a concept.

    Publishing renders a PDF per published report, seconds each, which tests that only need
    the rows can skip.
    """
    data = read_data()
    partijen = {p["abbr"]: _load_partij(p) for p in data["parties"]}
    reporters = _load_accounts(partijen)
    for item in data["trajectories"]:
        _load_traject(item, partijen, reporters)
    _load_indicatoren(partijen, reporters)
    _load_rapportages(publish=publish)
    load_uitvragen(reporters)
    return {
        "trajecten": Traject.objects.count(),
        "partijen": Partij.objects.count(),
        "verbeterafspraken": Verbeterafspraak.objects.count(),
        "voortgangsupdates": Voortgangsupdate.objects.count(),
        "indicatoren": Indicator.objects.count(),
        "rapportages": Rapportage.objects.count(),
        "uitvragen": Uitvraag.objects.count(),
        "werkitems": Werkitem.objects.count(),
    }


def _upsert(model: type[models.Model], defaults: dict, **lookup):
    """`update_or_create` that saves only what differs: an unchanged row gets no new version
    and no audit record."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **defaults)
    changed = [name for name, value in defaults.items() if _value(obj, name) != _value_of(value)]
    if changed:
        for name in changed:
            setattr(obj, name, defaults[name])
        obj.save()
    return obj


def _value(obj: models.Model, name: str):
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname)


def _value_of(value):
    return value.pk if isinstance(value, models.Model) else value


def _load_partij(item: dict) -> Partij:
    return _upsert(
        Partij,
        {"naam": item["name"], "soort": SOORT_BY_LABEL[item["kind"].lower()]},
        afkorting=item["abbr"],
    )


def _load_traject(item: dict, partijen: dict[str, Partij], reporters: dict) -> None:
    ended = item.get("ended", "")
    traject = _upsert(
        Traject,
        slug=item["slug"],
        defaults={
            "naam": item["name"],
            "domein": item["domain"],
            "icd10_codes": item.get("icd10", ""),
            "signalementdatum": item.get("verbetersignalement"),
            # The demo's closed trajectory was handed over to another programme.
            "afsluiting": Traject.Afsluiting.OVERGEDRAGEN if ended else "",
            "overgedragen_aan": "Zorgevaluatie en Gepast Gebruik" if ended else "",
        },
    )
    for phase in item["phases"]:
        _upsert(
            Faseperiode,
            traject=traject,
            fase=phase["phase"],
            defaults={"startdatum": phase["start"], "einddatum": phase.get("end")},
        )
    themas = {}
    for volgorde, naam in enumerate(item.get("themes", []), start=1):
        themas[naam] = _upsert(Thema, traject=traject, naam=naam, defaults={"volgorde": volgorde})
    for agreement in item.get("agreements", []):
        _load_afspraak(traject, agreement, themas, partijen, reporters)
    for report in item.get("reports", []):
        _load_rapportage(traject, report)


def _samenvatting(traject: Traject, soort: str) -> str:
    """A summary in plain Dutch (B1) for a demo report."""
    if soort == Rapportage.Soort.EINDEVALUATIE:
        return (
            f"Zorgpartijen maakten afspraken om de zorg bij {traject.naam.lower()} beter te "
            "maken. Dat traject is nu klaar. In deze rapportage leest u wat de partijen hebben "
            "gedaan. U leest ook of de zorg echt is veranderd. Dat meten we met cijfers."
        )
    return (
        f"Zorgpartijen hebben afspraken gemaakt om de zorg bij {traject.naam.lower()} beter te "
        "maken. In deze rapportage leest u hoe ver ze zijn. Bij elke afspraak staat of het "
        "volgens plan gaat. Gaat het langzamer? Dan leest u waarom."
    )


def _load_rapportage(traject: Traject, report: dict) -> None:
    """A trajectory's yearly report or (`kind: eindevaluatie`) its end evaluation. One with a
    `published` date appeared before the portal recorded it: it keeps that date."""
    soort = report.get("kind", Rapportage.Soort.TRAJECT)
    # A trajectory has one report a year, and one end evaluation.
    lookup = {"traject": traject, "soort": soort}
    if soort == Rapportage.Soort.TRAJECT:
        lookup["jaar"] = report["year"]
    letter = report.get("letter") or {}
    fields = {
        "jaar": report["year"],
        "titel": report["title"],
        "peildatum": report.get("peildatum") or datetime.date(report["year"], 11, 1),
        "inleiding": report.get("introduction")
        or (
            f"In deze rapportage leest u hoe het staat met de verbeterafspraken uit het "
            f"verbetersignalement {traject.naam}. De partijen hebben hun voortgang "
            f"zelf gerapporteerd; Zorginstituut Nederland heeft die samengevat."
        ),
        "samenvatting": report.get("summary") or _samenvatting(traject, soort),
        "conclusies": report.get("conclusions", ""),
        "vervolg": report.get("vervolg")
        or f"De volgende voortgangsrapportage verschijnt in het {report['next_report']}.",
        "publicatiedatum": report.get("published"),
        "brief_datum": letter.get("date"),
        "brief_kenmerk": letter.get("reference", ""),
    }
    fields = {name: value for name, value in fields.items() if name not in lookup}
    _upsert(Rapportage, **lookup, defaults=fields)


def _load_afspraak(
    traject: Traject,
    item: dict,
    themas: dict[str, Thema],
    partijen: dict[str, Partij],
    reporters: dict,
) -> None:
    afspraak = _upsert(
        Verbeterafspraak,
        traject=traject,
        nummer=item["n"],
        defaults={
            "thema": themas[item["theme"]],
            "titel": item["title"],
            "omschrijving": item.get("description", ""),
            "regiehouder": partijen[item["lead"]],
            "streefjaar": item["target_year"],
            "bron": f"Verbetersignalement {traject.naam}, verbeterafspraak {item['n']}",
        },
    )
    betrokken = {partijen[abbr] for abbr in item.get("parties", []) if abbr != item["lead"]}
    if set(afspraak.betrokken_partijen.all()) != betrokken:
        afspraak.betrokken_partijen.set(betrokken)
    # The regiehouder's demo member reports, else the Zorginstituut editor on its behalf.
    reporter = reporters.get(afspraak.regiehouder.afkorting, reporters["redactie"])
    # A trajectory that has ended reports nothing after its last phase.
    ended = traject.faseperiodes.aggregate(end=models.Max("einddatum"))["end"]
    if not traject.afsluiting:
        ended = None
    for year, progress in sorted(item.get("progress", {}).items()):
        status = STATUS_BY_LABEL[progress["status"]]
        peildatum = datetime.date(year, *PROGRESS_PEILDATUM)
        if ended:
            peildatum = min(peildatum, ended)
        if afspraak.voortgangsupdates.filter(peildatum__year=year, status=status).exists():
            continue
        rapporteer_voortgang(
            afspraak=Verbeterafspraak.objects.with_details().get(pk=afspraak.pk),
            user=reporter,
            status=status,
            peildatum=peildatum,
            tekst=progress["text"],
            toelichting=progress["text"] if status in (Status.VERTRAAGD, Status.GESTOPT) else "",
            verwachte_datum=(
                # A year after the target, or after the report if that has passed.
                datetime.date(max(item["target_year"], year) + 1, 12, 31)
                if status == Status.VERTRAAGD
                else None
            ),
            partij=afspraak.regiehouder,
            last_seen=afspraak.voortgangsupdates.order_by("-pk")
            .values_list("pk", flat=True)
            .first(),
        )


def _load_indicatoren(partijen: dict[str, Partij], reporters: dict) -> None:
    """Indicators and their figures; the figures go through `meld_meting`, oldest first."""
    with INDICATOREN_FILE.open(encoding="utf-8") as fh:
        items = yaml.safe_load(fh)["indicators"]
    for volgorde, item in enumerate(items, start=1):
        traject = Traject.objects.get(slug=item["trajectory"])
        afspraak = (
            traject.verbeterafspraken.get(nummer=item["agreement"]) if "agreement" in item else None
        )
        target = item.get("target") or {}
        indicator = _upsert(
            Indicator,
            traject=traject,
            naam=item["name"],
            defaults={
                "verbeterafspraak": afspraak,
                "definitie": item["definition"],
                "eenheid": EENHEID_BY_UNIT[item["unit"]],
                "richting": RICHTING_BY_BETTER[item["better"]],
                "basisjaar": item["baseline"]["year"],
                "basiswaarde": Decimal(str(item["baseline"]["value"])),
                "streefjaar": target.get("year"),
                "streefwaarde": Decimal(str(target["value"])) if target else None,
                "bron": item["source"],
                "leverancier": partijen[item["owner"]],
                "volgorde": volgorde,
            },
        )
        reporter = reporters.get(item["owner"], reporters["redactie"])
        notes = item.get("note") or {}
        for jaar, value in sorted(item.get("values", {}).items()):
            waarde = Decimal(str(value))
            if indicator.metingen.filter(jaar=jaar, waarde=waarde).exists():
                continue
            meld_meting(
                indicator=indicator,
                user=reporter,
                jaar=jaar,
                waarde=waarde,
                peildatum=min(datetime.date(jaar + 1, *METING_PEILDATUM), timezone.localdate()),
                toelichting=notes.get(jaar, ""),
                partij=indicator.leverancier,
            )


def _load_accounts(partijen: dict[str, Partij]) -> dict:
    """The demo accounts; returns the user who reports for each party (by abbreviation) and
    the editor (under 'redactie')."""
    User = get_user_model()
    redactie = _load_staff("redactie", "Redactie", ensure_redactiegroep())
    _load_staff("beheerder", "Beheer", ensure_beheergroep())
    reporters = {"redactie": redactie}
    for username, abbr in DEMO_ACCOUNTS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": "Medewerker",
                "last_name": abbr,
                "email": f"{username}@example.org",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Lidmaatschap.objects.get_or_create(partij=partijen[abbr], user=user)
        reporters[abbr] = user
    return reporters


def _load_staff(username: str, first_name: str, group):
    """A staff account in one role, with its authenticator app set up with a known secret."""
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": "Zorginstituut",
            "email": f"{username}@example.org",
            "is_staff": True,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
    key = base64.b32decode(DEMO_TOTP_SECRETS[username]).hex()
    # Drift, last code and throttle change as the device is used; only the secret is the demo's.
    _upsert(TOTPDevice, {"key": key, "confirmed": True}, user=user, name=TOTP_DEVICE_NAME)
    return user


def demo_totp_devices() -> list[TOTPDevice]:
    """The demo staff accounts' authenticator apps, as `loaddemo` prints them."""
    return list(
        TOTPDevice.objects.filter(user__username__in=DEMO_TOTP_SECRETS, confirmed=True)
        .select_related("user")
        .order_by("user__username")
    )


def _load_rapportages(*, publish: bool) -> None:
    """The implementation-wide reports, this year's a concept, and, with `publish`, a first
    edition of every report that has a publication date, on that date.

    A report that already has an edition is left alone, so loading twice changes nothing.
    """
    # This year's is a concept, to show what the year's round still waits for.
    concept = {timezone.localdate().year: None}
    for jaar, published_on in {**IMPLEMENTATIE_PUBLISHED, **concept}.items():
        _upsert(
            Rapportage,
            soort=Rapportage.Soort.IMPLEMENTATIE,
            traject=None,
            jaar=jaar,
            defaults={
                "titel": f"Voortgangsrapportage implementatiefase Passende zorg {jaar}",
                "samenvatting": (
                    "Elk jaar kijkt het Zorginstituut hoe het gaat met de afspraken over "
                    "passende zorg. Zorgpartijen hebben die afspraken samen gemaakt. Ze willen "
                    "dat patiënten de zorg krijgen die echt helpt. In deze rapportage leest u "
                    "per onderwerp hoe ver de partijen zijn."
                ),
                "peildatum": datetime.date(jaar, 11, 1),
                "inleiding": (
                    "Zorginstituut Nederland rapporteert jaarlijks aan de minister van "
                    "Volksgezondheid, Welzijn en Sport over de trajecten die in de "
                    "implementatiefase zijn. In die fase voeren de partijen de "
                    "verbeterafspraken uit het verbetersignalement uit; het Zorginstituut "
                    "ondersteunt hen en volgt de voortgang.\n\n"
                    "Per traject leest u welke afspraken zijn gemaakt, wie de regie heeft en "
                    "hoe het er volgens de partijen voor staat."
                ),
                "vervolg": (
                    f"De volgende voortgangsrapportage implementatiefase verschijnt in het "
                    f"najaar van {jaar + 1}."
                ),
                "publicatiedatum": published_on,
            },
        )
    if not publish:
        return
    redactie = get_user_model().objects.filter(username="redactie").first()
    unpublished = Rapportage.objects.filter(publicatiedatum__isnull=False, edities__isnull=True)
    for rapportage in unpublished.order_by("publicatiedatum", "pk"):
        publiceer_rapportage(rapportage=rapportage, user=redactie)

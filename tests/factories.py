"""Factories with deterministic values, so a failing test reads the same every run."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from afspraken.models import (
    Indicator,
    Lidmaatschap,
    Meting,
    Partij,
    Status,
    Verbeterafspraak,
    Voortgangsupdate,
)
from rapportages.models import Editie, Rapportage
from trajecten.models import Faseperiode, Thema, Traject


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = "Test"
    last_name = factory.LazyAttribute(lambda o: o.username.capitalize())
    password = factory.django.Password("geheim-wachtwoord-123")


class PartijFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partij
        django_get_or_create = ["afkorting"]

    afkorting = factory.Sequence(lambda n: f"P{n}")
    naam = factory.LazyAttribute(lambda o: f"Partij {o.afkorting}")
    soort = Partij.Soort.WETENSCHAPPELIJKE_VERENIGING


class LidmaatschapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lidmaatschap

    partij = factory.SubFactory(PartijFactory)
    user = factory.SubFactory(UserFactory)


class TrajectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Traject

    naam = factory.Sequence(lambda n: f"Traject {n}")
    slug = factory.Sequence(lambda n: f"traject-{n}")
    domein = "Hart, vaat en long"
    icd10_codes = "I80.2"
    signalementdatum = datetime.date(2021, 10, 11)


class FaseperiodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Faseperiode

    traject = factory.SubFactory(TrajectFactory)
    fase = Faseperiode.Fase.SCREENING
    startdatum = datetime.date(2018, 1, 1)
    einddatum = None


class ThemaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thema

    traject = factory.SubFactory(TrajectFactory)
    naam = factory.Sequence(lambda n: f"Thema {n}")
    volgorde = factory.Sequence(lambda n: n)


class VerbeterafspraakFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Verbeterafspraak
        skip_postgeneration_save = True

    traject = factory.SubFactory(TrajectFactory)
    thema = factory.SubFactory(ThemaFactory, traject=factory.SelfAttribute("..traject"))
    nummer = factory.Sequence(lambda n: n + 1)
    titel = factory.Sequence(lambda n: f"Voorkom onnodige zorg {n}")
    omschrijving = "Partijen zorgen dat patiënten de juiste zorg op de juiste plek krijgen."
    regiehouder = factory.SubFactory(PartijFactory)
    streefjaar = 2024

    @factory.post_generation
    def betrokken_partijen(self, create, extracted, **kwargs):
        if create and extracted:
            self.betrokken_partijen.set(extracted)


class VoortgangsupdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voortgangsupdate

    verbeterafspraak = factory.SubFactory(VerbeterafspraakFactory)
    peildatum = datetime.date(2022, 10, 1)
    status = Status.OP_SCHEMA
    tekst = "De werkgroep is gestart."
    partij = factory.LazyAttribute(lambda o: o.verbeterafspraak.regiehouder)


class RapportageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rapportage

    soort = Rapportage.Soort.TRAJECT
    traject = factory.SubFactory(TrajectFactory)
    jaar = 2022
    titel = factory.LazyAttribute(
        lambda o: (
            f"Voortgangsrapportage {o.traject.naam if o.traject else 'implementatie'} {o.jaar}"
        )
    )
    peildatum = datetime.date(2022, 11, 1)
    inleiding = "Dit is de inleiding."
    vervolg = "De volgende rapportage verschijnt in het najaar van 2023."


class EditieFactory(factory.django.DjangoModelFactory):
    """A stored edition with stand-in documents: real ones come from publiceer_rapportage,
    which renders a PDF and takes a second or more."""

    class Meta:
        model = Editie

    rapportage = factory.SubFactory(RapportageFactory)
    nummer = 1
    titel = factory.LazyAttribute(lambda o: o.rapportage.titel)
    peildatum = factory.LazyAttribute(lambda o: o.rapportage.peildatum)
    html = factory.LazyAttribute(lambda o: f"<h1>{o.titel}</h1>")
    pdf = b"%PDF-1.7"
    html_sha256 = factory.LazyAttribute(lambda o: Editie.checksum(o.html))
    pdf_sha256 = factory.LazyAttribute(lambda o: Editie.checksum(o.pdf))


class IndicatorFactory(factory.django.DjangoModelFactory):
    """Referrals without the decision rule: lower is better, 41 % in 2020, 20 % by 2024.

    Checked by `full_clean()` before it is stored, as the admin and forms would.
    """

    class Meta:
        model = Indicator

    verbeterafspraak = factory.SubFactory(VerbeterafspraakFactory)
    traject = factory.LazyAttribute(lambda o: o.verbeterafspraak.traject)
    naam = "Verwijzingen zonder beslisregel"
    definitie = "Verwijzingen bij verdenking longembolie zonder beslisregel, van alle verwijzingen."
    eenheid = Indicator.Eenheid.PERCENTAGE
    richting = Indicator.Richting.LAGER
    basisjaar = 2020
    basiswaarde = Decimal("41")
    streefjaar = 2024
    streefwaarde = Decimal("20")
    bron = "Nivel Zorgregistraties eerste lijn"
    leverancier = factory.LazyAttribute(lambda o: o.verbeterafspraak.regiehouder)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        indicator = model_class(*args, **kwargs)
        indicator.full_clean()
        indicator.save()
        return indicator


def indicator_with_figures(traject, afspraak, leverancier, naam, values, **fields) -> Indicator:
    """An indicator of `afspraak` (None: of the trajectory as a whole) with a figure per year
    of `values`, each known from 1 March of the year after."""
    indicator = IndicatorFactory(
        traject=traject, verbeterafspraak=afspraak, leverancier=leverancier, naam=naam, **fields
    )
    Meting.objects.bulk_create(
        Meting(
            indicator=indicator,
            jaar=jaar,
            waarde=Decimal(str(waarde)),
            peildatum=datetime.date(jaar + 1, 3, 1),
        )
        for jaar, waarde in values.items()
    )
    return indicator


def body(response) -> bytes:
    """A response's body, streamed (a stored edition is sent as a file) or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content

"""The fixed cast: alice and bob speak for one party, charlie for another, and staff.

The trajectory `dvt` has one agreement led by alice's party with charlie's party not involved,
so each protected page can be tried by member, colleague, outsider and staff.

Staff pass a second factor after their password. `client.force_login()` skips the password,
and for staff it skips the second factor too, unless told `verified=False`;
tests/portal/test_mfa.py goes through the real pages.
"""

import datetime
from pathlib import Path

import django.test
import pytest
from django_otp import DEVICE_ID_SESSION_KEY

from afspraken.models import Partij
from portal.groups import ensure_beheergroep, ensure_redactiegroep
from rapportages import serving
from trajecten.models import Faseperiode

from . import toegankelijkheid
from .factories import (
    FaseperiodeFactory,
    LidmaatschapFactory,
    PartijFactory,
    ThemaFactory,
    TrajectFactory,
    UserFactory,
    VerbeterafspraakFactory,
)
from .mfa import authenticator_app


class Client(django.test.Client):
    def request(self, **request):
        """A streamed answer (a published edition is sent as a file) is read at once, as a
        browser would, so that its file is closed whether or not the test reads the body;
        `body()` gives its bytes."""
        response = super().request(**request)
        if response.streaming and not response.is_async:
            response.streaming_content = [b"".join(response.streaming_content)]
        return response

    def force_login(self, user, backend=None, *, verified=True):
        """Log in without a password; staff also as if they had entered a code from their
        authenticator app (which they get if they had none), unless `verified=False`."""
        super().force_login(user, backend)
        if verified and (user.is_staff or user.is_superuser):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = authenticator_app(user).persistent_id
            session.save()


@pytest.fixture(autouse=True)
def _forget_edition_addresses():
    """Each test's database is new: what a worker remembered of numbered edition addresses in
    an earlier test would be another database's edition."""
    serving.forget_addresses()


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def nhg(db):
    return PartijFactory(
        afkorting="NHG",
        naam="Nederlands Huisartsen Genootschap",
        soort=Partij.Soort.WETENSCHAPPELIJKE_VERENIGING,
    )


@pytest.fixture
def niv(db):
    return PartijFactory(
        afkorting="NIV",
        naam="Nederlandse Internisten Vereniging",
        soort=Partij.Soort.WETENSCHAPPELIJKE_VERENIGING,
    )


@pytest.fixture
def zn(db):
    return PartijFactory(
        afkorting="ZN", naam="Zorgverzekeraars Nederland", soort=Partij.Soort.ZORGVERZEKERAARS
    )


@pytest.fixture
def alice(nhg):
    """A member of NHG."""
    user = UserFactory(username="alice")
    LidmaatschapFactory(partij=nhg, user=user)
    return user


@pytest.fixture
def bob(nhg):
    """Alice's colleague at NHG."""
    user = UserFactory(username="bob")
    LidmaatschapFactory(partij=nhg, user=user)
    return user


@pytest.fixture
def charlie(zn):
    """A member of ZN, a party not involved in the `afspraak` fixture."""
    user = UserFactory(username="charlie")
    LidmaatschapFactory(partij=zn, user=user)
    return user


@pytest.fixture
def staff(db):
    """A Zorginstituut editor: staff, with the editors' group permissions (not superuser)."""
    user = UserFactory(username="redactie", is_staff=True)
    user.groups.add(ensure_redactiegroep())
    return user


@pytest.fixture
def beheerder(db):
    """A Zorginstituut account administrator: staff, in the beheer group (not superuser)."""
    user = UserFactory(username="beheerder", first_name="Bea", last_name="Beheer", is_staff=True)
    user.groups.add(ensure_beheergroep())
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="super", is_staff=True, is_superuser=True)


@pytest.fixture
def dvt(db):
    traject = TrajectFactory(
        naam="Diepe veneuze trombose en longembolie",
        slug="diepe-veneuze-trombose-en-longembolie",
        domein="Bloed- en immuunsysteem",
        icd10_codes="I80.2, I26",
    )
    FaseperiodeFactory(
        traject=traject,
        fase=Faseperiode.Fase.SCREENING,
        startdatum=datetime.date(2018, 1, 1),
        einddatum=datetime.date(2019, 4, 10),
    )
    FaseperiodeFactory(
        traject=traject,
        fase=Faseperiode.Fase.VERDIEPING,
        startdatum=datetime.date(2019, 4, 10),
        einddatum=datetime.date(2021, 10, 11),
    )
    FaseperiodeFactory(
        traject=traject,
        fase=Faseperiode.Fase.IMPLEMENTATIE,
        startdatum=datetime.date(2021, 10, 11),
    )
    return traject


@pytest.fixture
def diagnostiek(dvt):
    return ThemaFactory(traject=dvt, naam="Diagnostiek", volgorde=1)


@pytest.fixture
def afspraak(dvt, diagnostiek, nhg, niv):
    """Led by NHG (alice, bob) with NIV involved; ZN (charlie) is not involved."""
    return VerbeterafspraakFactory(
        traject=dvt,
        thema=diagnostiek,
        nummer=1,
        titel="Voorkom onnodige verwijzing",
        regiehouder=nhg,
        betrokken_partijen=[niv],
        streefjaar=2024,
    )


def pytest_sessionfinish(session, exitstatus):
    """The run's accessibility results, for the statement (tests/toegankelijkheid.py)."""
    toegankelijkheid.write(Path(__file__).resolve().parents[1] / "test-artifacts")

"""The party pages stay cheap: the agreements list and a trajectory page cost a fixed number of
queries, the filter's options come from one query of names, and what every row shows alike is
made once per page. `manage.py load_benchmark` measures the time.
"""

import datetime
import re

import pytest
from django.urls import reverse

from afspraken.filters import FilterSelect, filter_choices
from afspraken.models import Status, partij_ids_for
from afspraken.views import DateTexts, StatusBadges, detail_url_maker
from tests.factories import (
    PartijFactory,
    ThemaFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)

LIST_URL = reverse("afspraken:list")


def make_trajecten(count, partij):
    """`count` trajectories, each with an agreement of `partij` with one update and a theme named
    alike in all of them, and one more party involved in each."""
    for n in range(count):
        traject = TrajectFactory(naam=f"Traject {n:03}", slug=f"traject-{n:03}")
        afspraak = VerbeterafspraakFactory(
            traject=traject,
            thema=ThemaFactory(traject=traject, naam="Diagnostiek"),
            nummer=1,
            regiehouder=partij,
            betrokken_partijen=[PartijFactory(afkorting=f"P{n:03}")],
        )
        VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=datetime.date(2024, 3, 1))


@pytest.mark.parametrize("count", [2, 40])
def test_list_queries_do_not_grow_with_the_options(
    client, alice, nhg, count, django_assert_num_queries
):
    make_trajecten(count, nhg)
    client.force_login(alice)
    # Session, user, the user's parties, the data version, the kept lists (none yet), counts
    # per status (also the paginator's count), the page, its betrokken parties, the options of
    # three filters in two queries; keeping the list takes five (count, savepoint, look-up,
    # insert, release). No session write.
    with django_assert_num_queries(15):
        response = client.get(LIST_URL)
    assert response.context["page"].paginator.count == count
    assert len(response.context["filter"].form.fields["traject"].choices) == count + 1
    assert len(response.context["filter"].form.fields["partij"].choices) == count + 2
    # Asked again with nothing changed: session, user, parties, data version, the kept list.
    with django_assert_num_queries(5):
        again = client.get(LIST_URL)
    assert list_part(again) == list_part(response)
    assert f"{count} afspraken" in list_part(again)


def list_part(response) -> str:
    """The part of the page that is kept across requests (the header's CSRF token is not)."""
    text = response.text
    return text[text.index('<p class="intro">') : text.index("</main>")]


def test_filter_choices_are_the_visible_ones_in_two_queries(
    alice, nhg, zn, django_assert_num_queries
):
    make_trajecten(2, nhg)
    VerbeterafspraakFactory(regiehouder=zn)  # in a trajectory of its own, not alice's
    partij_ids_for(alice)  # known from earlier in the request
    with django_assert_num_queries(2):
        choices = filter_choices(alice)
    assert [label for _, label in choices["traject"]] == ["Traject 000", "Traject 001"]
    assert choices["thema"] == [("Diagnostiek", "Diagnostiek")]  # one name for two themes
    assert [label for _, label in choices["partij"]] == ["NHG", "P000", "P001"]


def test_chosen_options_are_kept_and_names_escaped(client, alice, nhg):
    make_trajecten(2, nhg)
    traject = TrajectFactory(naam="Hart & <vaat>", slug="hart-en-vaat")
    VerbeterafspraakFactory(traject=traject, regiehouder=nhg)
    client.force_login(alice)
    response = client.get(LIST_URL, {"traject": traject.pk, "status": "geen"})
    html = response.text
    assert f'<option value="{traject.pk}" selected>Hart &amp; &lt;vaat&gt;</option>' in html
    assert '<option value="geen" selected>Nog geen voortgang gemeld</option>' in html
    assert '<option value="" selected>Alle partijen</option>' in html
    assert '<select name="traject" id="id_traject">' in html
    assert response.context["page"].paginator.count == 1


def test_filter_select_writes_what_django_select_writes():
    """The same options and attributes as Django's own Select, but for white space."""
    choices = [("", "Alle"), (1, "Eén & twee"), ("x", "X")]
    ours = FilterSelect(choices=choices).render("veld", "1", {"id": "id_veld"})
    django = django_select_html(choices, "veld", "1", {"id": "id_veld"})
    assert ours == django


def django_select_html(choices, name, value, attrs):
    from django import forms

    html = forms.Select(choices=choices).render(name, value, attrs)
    return "".join(line.strip() for line in html.splitlines())


def test_an_invalid_filter_still_counts_the_agreements(client, alice, nhg):
    make_trajecten(3, nhg)
    client.force_login(alice)
    response = client.get(LIST_URL, {"status": "onzin"})
    assert response.status_code == 200
    assert response.context["status_counts"] == []
    assert response.context["page"].paginator.count == 3


def test_the_count_follows_the_chosen_status(client, alice, nhg):
    make_trajecten(3, nhg)
    client.force_login(alice)
    response = client.get(LIST_URL, {"status": Status.OP_SCHEMA})
    assert response.context["page"].paginator.count == 3
    response = client.get(LIST_URL, {"status": Status.AFGEROND})
    assert response.context["page"].paginator.count == 0


def test_rows_show_the_status_badge_and_date(client, alice, nhg):
    make_trajecten(2, nhg)
    client.force_login(alice)
    response = client.get(LIST_URL)
    html = response.text
    for afspraak in response.context["page"]:
        assert f'<a href="{afspraak.get_absolute_url()}">{afspraak.nummer}.' in html
    badge = '<span class="badge badge--op_schema">Loopt volgens planning</span>'
    assert len(re.findall(rf'<td data-label="Status">\s*{re.escape(badge)}', html)) == 2
    assert html.count("per 1 maart 2024") == 2


def test_badges_and_dates_are_made_once_per_page(monkeypatch):
    rendered = []
    import afspraken.views

    original = afspraken.views.render_to_string
    monkeypatch.setattr(
        afspraken.views,
        "render_to_string",
        lambda *args, **kwargs: rendered.append(args) or original(*args, **kwargs),
    )
    badges, dates = StatusBadges(), DateTexts()
    for _ in range(3):
        assert badges["geen"].strip() == (
            '<span class="badge badge--geen">Nog geen voortgang gemeld</span>'
        )
        assert dates[datetime.date(2024, 3, 1)] == "1 maart 2024"
    assert len(rendered) == 1
    assert dates[None] == ""


def test_detail_url_maker_makes_the_agreements_addresses():
    url_of = detail_url_maker()
    for pk in [1, 42, 2_147_483_647]:
        assert url_of(pk) == reverse("afspraken:detail", kwargs={"pk": pk})


@pytest.mark.parametrize("updates", [1, 20])
def test_trajectory_page_fetches_only_the_updates_it_shows(
    client, alice, dvt, diagnostiek, nhg, updates, django_assert_num_queries
):
    for nummer in range(1, 4):
        afspraak = VerbeterafspraakFactory(
            traject=dvt, thema=diagnostiek, nummer=nummer, regiehouder=nhg
        )
        for day in range(updates):
            VoortgangsupdateFactory(
                verbeterafspraak=afspraak,
                peildatum=datetime.date(2023, 1, 1) + datetime.timedelta(days=day),
                tekst=f"Stand {nummer}.{day}",
            )
    client.force_login(alice)
    url = reverse("trajecten:detail", kwargs={"slug": dvt.slug})
    # Session, user, trajectory, the user's parties, data version, kept pages (none yet), the
    # trajectory again, its phases, agreements, themes, the updates that set their status, the
    # ones the user may open, published reports, keeping the page (five), whether the user
    # follows it.
    with django_assert_num_queries(18):
        response = client.get(url)
    for nummer in range(1, 4):
        assert f"Stand {nummer}.{updates - 1}" in response.text
        assert f"Stand {nummer}.0" not in response.text or updates == 1

"""Who may do what with an agreement, decided in afspraken/rules.py."""

import pytest
from django.contrib.auth.models import AnonymousUser


@pytest.mark.parametrize(
    ("who", "may"),
    [("alice", True), ("bob", True), ("dana", True), ("charlie", False), ("staff", True)],
)
def test_who_may_see_and_report_on_an_agreement(request, afspraak, who, may):
    user = request.getfixturevalue(who)
    assert user.has_perm("afspraken.view_verbeterafspraak", afspraak) is may
    assert user.has_perm("afspraken.add_voortgangsupdate", afspraak) is may


def test_anonymous_may_do_nothing(afspraak):
    assert not AnonymousUser().has_perm("afspraken.add_voortgangsupdate", afspraak)


def test_inactive_member_may_not_report(afspraak, alice):
    alice.is_active = False
    assert not alice.has_perm("afspraken.add_voortgangsupdate", afspraak)


def test_nobody_may_change_or_delete_an_update_through_the_rules(update, alice):
    assert not alice.has_perm("afspraken.change_voortgangsupdate", update)
    assert not alice.has_perm("afspraken.delete_voortgangsupdate", update)


def test_rules_agree_with_the_queryset(afspraak, alice, charlie, dana, staff):
    from afspraken.models import Verbeterafspraak

    for user in (alice, charlie, dana, staff):
        visible = Verbeterafspraak.objects.for_user(user).filter(pk=afspraak.pk).exists()
        assert visible is user.has_perm("afspraken.view_verbeterafspraak", afspraak)

"""The one-click unsubscribe link of a follow mail.

The token is signed, not stored: `django.core.signing` with a salt of its own, over the ids of
the follows the mail was sent for, without an expiry (a link in an old mail still works, as
RFC 8058 expects). Nothing to store, look up or clean up, and checking it costs no query; a
follow stopped and started again has a new id, so an old mail never stops the new one. A token
only ever stops follows, which is harmless, so it need not be revocable; a new SECRET_KEY
invalidates the links unless the old one stays in SECRET_KEY_FALLBACKS.
"""

from collections.abc import Iterable

from django.core import signing

SALT = "volgen.afmelden"


def afmeldtoken(volg_ids: Iterable[int]) -> str:
    # A Signer, not `signing.dumps()`: its timestamp would only make the link longer.
    return signing.Signer(salt=SALT).sign_object(sorted(set(volg_ids)))


def volg_ids_uit(token: str) -> list[int] | None:
    """The follow ids a token carries, or None when it was not made here (tampered, cut)."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):  # ValueError: signed here, but not by this
        return None
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(pk, int) and not isinstance(pk, bool) and pk > 0 for pk in value):
        return None
    return value

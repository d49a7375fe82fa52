"""The second factor in tests: an authenticator app for a user, and the code it shows."""

import base64

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.mfa import TOTP_DEVICE_NAME

# A known secret, as a phone would hold it after scanning the QR code.
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def authenticator_app(user) -> TOTPDevice:
    """The user's confirmed authenticator app, set up with SECRET if they had none."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user,
        confirmed=True,
        defaults={"name": TOTP_DEVICE_NAME, "key": base64.b32decode(SECRET).hex()},
    )
    return device


def code_for(device: TOTPDevice, *, step: int = 0) -> str:
    """The code the app shows now, or `step` periods later (the device also accepts the
    next period's code, and refuses one of a period it has already accepted)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + step)
    if totp.t() <= device.last_t:
        totp.drift += device.last_t - totp.t() + 1
    return f"{totp.token():0{device.digits}d}"

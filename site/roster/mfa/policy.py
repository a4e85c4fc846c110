"""Who must use two-factor sign-in: with REQUIRE_ADMIN_MFA, every admin."""

from __future__ import annotations

from flask import current_app

from roster.users.models import User

CANNOT_TURN_OFF = "Administrators must use two-factor sign-in here; it cannot be turned off."


def required(user: User) -> bool:
    """Whether `user` must have two-factor sign-in on this site."""
    return bool(current_app.config["REQUIRE_ADMIN_MFA"]) and user.is_admin


def setup_required(user: User) -> bool:
    """Whether `user` must set it up before doing anything else."""
    return required(user) and not user.mfa_enabled

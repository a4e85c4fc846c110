"""Forms of the account links: ask for a reset, choose a password (the rules of users/policy.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from roster.users.fields import confirm_field, identifier_field, password_field


class ForgotPasswordForm(FlaskForm):
    email = identifier_field("Email or username")


class NewPasswordForm(FlaskForm):
    password = password_field()
    confirm = confirm_field()

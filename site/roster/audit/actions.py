"""Every action the audit log knows: `record` refuses others, and /audit offers these as filters.

Add a line here when a feature starts recording a new kind of change. Names are
`<area>.<verb>`, lower case; the label is what /audit shows.
"""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "auth.sign_in": "Signed in",
    "auth.sign_in_failed": "Failed sign-in",
    "auth.sign_out": "Signed out",
    "password.change": "Changed own password",
    "password.reset": "Reset password",
    "session.revoke": "Revoked a session",
    "mfa.enable": "Turned on two-factor sign-in",
    "mfa.disable": "Turned off two-factor sign-in",
    "mfa.recovery_code": "Used a recovery code",
    "mfa.code_failed": "Wrong two-factor code",
    "account.delete": "Deleted own account",
    "user.create": "Created user",
    "user.update": "Updated user",
    "user.delete": "Deleted user",
    "user.restore": "Restored user",
    "user.purge": "Purged user",
    "users.export": "Exported users",
    "post.hide": "Hid post",
    "post.unhide": "Unhid post",
    "post.delete": "Deleted post",
    "post.restore": "Restored post",
}

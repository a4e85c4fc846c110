"""Moderation: moderators and admins hide posts (with a reason the author sees) and unhide them."""

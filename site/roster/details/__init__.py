"""A user's details for staff: account facts, sign-ins, open sessions, posts and history."""

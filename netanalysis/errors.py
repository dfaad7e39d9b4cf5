"""Errors a user can cause: the CLI prints their message and exits 2."""


class UserError(Exception):
    """A problem with the user's files, columns or parameters (exit code 2)."""

    exit_code = 2

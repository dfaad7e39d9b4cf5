"""Errors a user can cause: the CLI prints their message and exits 2."""


class UserError(Exception):
    """A problem with the user's files, columns or parameters (exit code 2).

    `public`, when given, is the same message without any of the file's
    content (a quoted first line, a cell): what ``--anonymize`` shows.
    """

    exit_code = 2

    def __init__(self, message: str, public: str | None = None):
        super().__init__(message)
        self.public = public

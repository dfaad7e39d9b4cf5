"""The package's exceptions: what a user can cause, and what a run reports as a failure.

Only `UserError` is the user's doing: the CLI prints its message and exits 2.
"""


class UserError(Exception):
    """Raised when the user's files, columns or parameters are wrong (exit code 2).

    `public`, when given, is the same message without any of the file's
    content (a quoted first line, a cell): what ``--anonymize`` shows.
    """

    exit_code = 2

    def __init__(self, message: str, public: str | None = None):
        super().__init__(message)
        self.public = public


class NotebookFailed(Exception):
    """Raised when a report notebook fails: which notebook, which cell, the error, and where the executed copy is.

    Not a UserError: the report runner catches it per notebook and lists the
    failure in the report (a notebook's failure is the package's, not the user's).
    """

    def __init__(self, notebook, cell, ename, evalue, executed, source_line: str = ""):
        self.notebook, self.cell, self.ename, self.evalue, self.executed = notebook, cell, ename, evalue, executed
        self.source_line = source_line
        super().__init__(f"notebook {notebook} failed in cell {cell}: {ename}: {evalue}")


class LeakageError(AssertionError):
    """Raised when a feature was computed with information from its label window (a bug, never a user error)."""

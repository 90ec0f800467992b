"""Errors that stop a load. Each names the file and the column or rule, never a personal value."""


class LoadBlockedError(RuntimeError):
    """A file cannot be landed at all; the whole load is rolled back."""


class MissingColumnError(LoadBlockedError):
    def __init__(self, file: str, column: str, raw_table: str):
        self.file, self.column, self.raw_table = file, column, raw_table
        super().__init__(
            f"{file}: required column '{column}' is missing, so nothing from this load "
            f"landed in raw.{raw_table}. Fix the export and run again."
        )


class UnreadableFileError(LoadBlockedError):
    def __init__(self, file: str, reason: str):
        self.file = file
        super().__init__(f"{file}: cannot be read ({reason}); nothing from this load landed.")

"""Domain errors. The API maps them to HTTP answers in one handler; domain code never raises HTTP errors."""

from __future__ import annotations


class OmnirecError(Exception):
    """Base of every error omnirec raises on purpose."""


class InvalidRequest(OmnirecError):
    """The caller sent something that cannot be served (maps to 400)."""


class UnknownUser(OmnirecError):
    """No such customer (maps to 404 where a customer must exist)."""


class UnknownItem(OmnirecError):
    """No such item in the active model (maps to 404)."""


class UnknownOffer(OmnirecError):
    """No such offer (maps to 404)."""


class NoActiveModel(OmnirecError):
    """The store has no active model version: publish one with `omnirec publish` (maps to 503)."""


class StoreUnavailable(OmnirecError):
    """The feature store cannot be reached or answered too slowly (maps to 503)."""


class OfferCatalogError(InvalidRequest):
    """An offer file is malformed. The message names the file, the offer and the field."""


class ExportStateError(OmnirecError):
    """An export folder's state does not match its events file, or another export holds it."""


class BundleError(OmnirecError):
    """A model bundle on disk is missing, malformed or fails its checksum."""


class DataError(OmnirecError):
    """An input data file is malformed. The message names the file, row and column."""

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None) -> None:
        self.file = file
        self.row = row
        self.column = column
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")

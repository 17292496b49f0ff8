"""One tree of errors; each subclass also subclasses the builtin a caller would expect."""


class CxrayError(Exception):
    """Base of every error cxray raises on purpose. The message says what to do."""


class InvalidInputError(CxrayError, ValueError):
    """The caller gave data or arguments that cannot be used as they are."""


class InsufficientDataError(CxrayError, ValueError):
    """There is too little data for the figure to mean anything."""


class UnsupportedOnEngineError(CxrayError, NotImplementedError):
    """The analytics engine in use cannot run this operation."""


class NotFoundError(CxrayError, LookupError):
    """A named workspace, file or object does not exist."""

"""The one error a loader may raise."""


class LoadError(Exception):
    """A file that cannot be read as a document; the message is shown to the user."""

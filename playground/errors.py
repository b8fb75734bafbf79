"""The one exception type whose message is shown to users as it is."""


class PlaygroundError(Exception):
    """A problem the user can fix, described in one sentence.

    Pages show ``str(error)`` in an ``st.error`` box and the CLI prints it to
    stderr; anything else that escapes is a bug and is reported generically.
    """

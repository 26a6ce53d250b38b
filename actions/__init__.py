"""Custom actions of the NSSA Assistant.

The action server imports every submodule of this package, so nothing here
does I/O at import time.
"""

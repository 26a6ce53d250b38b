"""Custom actions of the NSSA Assistant.

The action server imports every submodule of this package, so nothing here
does I/O at import time. Importing it masks personal numbers in every log
record of the process (`bot/privacy.py`).
"""

from bot.privacy import install_log_masking

install_log_masking()

"""`python -m bot`: the project's command line."""

from bot.cli import main

main()

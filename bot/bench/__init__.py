"""`make bench`: our assistant against stock Rasa on the same content (bot/bench/run.py)."""

"""Fake platform APIs on loopback for the channel tests."""

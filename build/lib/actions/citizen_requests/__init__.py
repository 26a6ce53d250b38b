"""Requests citizens start in the chat (requests-in-chat.md)."""

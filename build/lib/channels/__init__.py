"""Channel connectors (web chat, Telegram, SMS); Rasa's REST channel is on in credentials.yml."""

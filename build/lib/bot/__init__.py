"""Runtime of the NSSA Assistant that is neither a channel nor an action."""

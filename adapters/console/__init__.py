"""The console chat: the same core in a terminal."""

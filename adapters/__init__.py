"""Adapters between the core and the outside: chat platforms, the console, the command line."""

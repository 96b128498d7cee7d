"""Persistence: SQLModel tables, repositories, unit of work and migrations."""

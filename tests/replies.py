"""Typed reads of a reply: each asserts the reply's kind and returns it narrowed."""

from __future__ import annotations

from bot.messages import Card, Choices, Form, Reply, TextReply


def as_text(reply: Reply) -> TextReply:
    """The reply, which must be plain text."""
    assert isinstance(reply, TextReply), reply
    return reply


def as_choices(reply: Reply) -> Choices:
    """The reply, which must be a choice list."""
    assert isinstance(reply, Choices), reply
    return reply


def as_form(reply: Reply) -> Form:
    """The reply, which must be a form."""
    assert isinstance(reply, Form), reply
    return reply


def as_card(reply: Reply) -> Card:
    """The reply, which must be a card."""
    assert isinstance(reply, Card), reply
    return reply


def text_of(reply: Reply) -> str:
    """The text of a reply that has one: plain text or a choice list."""
    assert isinstance(reply, TextReply | Choices), reply
    return reply.text

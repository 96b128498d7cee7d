"""Conversation references: what is stored to reach a person or a channel later."""

from __future__ import annotations

import json

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference


def reference_json(source: Activity | ConversationReference) -> str:
    """The opaque conversation reference stored for proactive messages."""
    if isinstance(source, Activity):
        activity = source
        source = TurnContext.get_conversation_reference(activity)
        data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        tenant = (data.get("tenant") or {}).get("id")
        if source.conversation is not None and not source.conversation.tenant_id and tenant:
            # Teams sends the tenant as conversation.tenantId, which the SDK's model drops.
            source.conversation.tenant_id = tenant
    return json.dumps(source.serialize())


def load_reference(raw: str) -> ConversationReference:
    """A stored conversation reference back."""
    return ConversationReference().deserialize(json.loads(raw))

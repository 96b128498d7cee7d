"""Policy Bot's conversational core: features, conversation state and ports."""

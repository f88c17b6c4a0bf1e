"""The Leads Agent: tools over the operations layer, an LLM planner (litellm tool calling), an
offline planner for when no model is configured, and the AgentRun audit trail."""

"""The Leads Agent, a face over the operations layer: the tool registry (tools), the chat entry point
(chat) choosing the LLM planner (llm_planner) or the offline one (offline_planner), and the audit of
every run (audit, stored by operations.agent_runs)."""

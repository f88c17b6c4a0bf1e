"""EmailBison: the client for the endpoints the product uses, and the export/deploy services."""

"""ICP qualification: the rule scorer, the LLM scorer and the LLM fallback for normalisation."""

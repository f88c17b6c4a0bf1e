"""Outbound copy: the linter every draft is checked against, and merge-token previews."""

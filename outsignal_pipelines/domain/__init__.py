"""Pure code: vocabularies, normalisation, identity keys. No I/O here."""

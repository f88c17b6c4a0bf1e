"""What pages call: thin wrappers over the operations layer, plus store bootstrapping."""

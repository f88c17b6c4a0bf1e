"""Local stand-ins for the vendor APIs, speaking their documented shapes (a product feature: try
everything without spending a credit)."""

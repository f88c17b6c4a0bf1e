"""The EmailBison webhook endpoint: a face of the product (it only calls operations)."""

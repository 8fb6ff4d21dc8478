"""The JSON API under /api/v1 (bearer tokens) with its OpenAPI document."""

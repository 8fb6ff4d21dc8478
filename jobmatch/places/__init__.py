"""Regions (city > county > township) and resettlement sites."""

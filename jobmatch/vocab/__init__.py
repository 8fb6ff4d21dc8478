"""Canonical skills and certificates, their synonyms, and text normalisation."""

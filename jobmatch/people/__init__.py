"""Households, persons, ID numbers, skills and certificates held, status history."""

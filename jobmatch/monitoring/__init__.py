"""Watching households: zero-employment episodes, assistance plans (一户一策), the four-level
status chain, and the indicators the county reports every month."""

"""Users, roles, region scope, sign-in, throttling and the audit log."""

"""Bureau staff pages: register, search, monthly update, imports, exports, administration."""

"""Training and certification toward 人人持证: courses, enrolments, awards, targets, indicators."""

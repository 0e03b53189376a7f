"""Outcome statistics under disclosure control: a pure core over frames (no I/O, no API).

``definitions`` (one definition of every published quantity), ``tables`` (outcome tables per
grouping and cohort), ``disclosure`` (thresholds, pooling, rounding, complementary
suppression), ``value_added`` (observed minus expected employment per institution).
"""

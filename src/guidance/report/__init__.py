"""The yearly report (``guidance report``): a province's or the nation's published outcome and
supply-demand statistics as a PDF or a self-contained HTML page.

``content`` builds the report's content from PUBLISHED (disclosure-controlled) frames only
(pure: no I/O); ``pdf`` and ``html`` render it; ``cli`` reads the data, checks the options
and writes the file atomically. See ``docs/report.md``.
"""

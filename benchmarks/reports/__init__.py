"""Reports: Markdown, gate table and chart (``report``); their sections and the end-of-run text
table (``report_sections``).

Imports results, running (the yardstick's name) and gate (``GateResult``); only the CLI imports it.
"""

"""Renders the published benchmark tables from committed JSON (``bench/report.py`` drives it).

Inputs are only committed files: ``docs/bench/<name>.json`` written by the bench scripts and
``models/*/manifest.json`` of the shipped models. Each generated region of a document is the
output of one small renderer (``registry.REGIONS``); a renderer whose JSON is missing says
"not measured yet" with the command that measures it, so a document is always complete and
``--check`` always has something to compare.
"""

"""Workbook building blocks shared by the report writers: house style, widths, cells, column
blocks, tables, print setup, and deterministic saving (same content → same bytes)."""

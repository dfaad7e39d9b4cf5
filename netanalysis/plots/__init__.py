"""Matplotlib figures, one module per report section."""

"""The unit x period investment panel and the `netanalysis panel` command."""

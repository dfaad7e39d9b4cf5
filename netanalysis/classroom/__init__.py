"""The classroom demo: networking strategies and the delayed-gratification notebook."""

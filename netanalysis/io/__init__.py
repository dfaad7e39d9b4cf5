"""Reading exports: sources and format detection, the loader, identity, the canonical schema."""

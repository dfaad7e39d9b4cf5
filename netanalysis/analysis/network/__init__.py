"""Network structure: tie strength, diversity, structural holes."""

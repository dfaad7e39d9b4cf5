"""Ground-truth worlds and writing them as real exports."""

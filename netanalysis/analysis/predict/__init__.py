"""Which relationships will pay next: features, models, honest evaluation, follow-up list."""

"""The analyses, one subpackage per question: returns, predict, network."""

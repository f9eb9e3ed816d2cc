"""What people look at: per-learner views, summaries, charts, generated docs (layer 8)."""

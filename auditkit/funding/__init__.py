"""What each learner earned against what was claimed: milestones and funding at risk (layer 4)."""

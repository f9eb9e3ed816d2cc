"""What is derived once per case from the frames and shared by rules, funding and measures (layer 2)."""

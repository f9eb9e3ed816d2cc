"""The DfE KPIs, their trends across snapshots and what providers changed between returns (layer 5)."""

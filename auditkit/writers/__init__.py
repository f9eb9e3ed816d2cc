"""Writers: turn auditkit data back into files (ILR XML for samples, tests and benchmarks)."""

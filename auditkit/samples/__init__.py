"""Synthetic sample case: invented WMCA providers, learners, returns, evidence and planted problems."""

from auditkit.samples.generator import SampleReport, generate_samples

__all__ = ["SampleReport", "generate_samples"]

"""Milestone rules of the WMCA Wave 5 catalogue."""

from __future__ import annotations

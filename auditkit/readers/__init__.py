"""Readers: ILR XML, evidence, registers and contracts into tidy frames."""

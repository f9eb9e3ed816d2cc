"""Frame declarations: the columns and dtypes every auditkit frame has."""

"""Contract Management System: the shared domain library (shipped as a Lambda layer)."""

"""Printed outputs (PDF/PNG): what they share lives here, beginning with the typesetting."""

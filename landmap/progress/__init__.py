"""Progress of the work: edits and their history, deadlines, follow-up, the dashboard's numbers."""

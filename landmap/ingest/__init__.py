"""Bringing the district's own files in: read safely, recognise coordinates and text, check.

Every file a user brings can be broken or hostile. Parsing happens in a child process with
limits (``sandbox``); what comes back is checked and described in a report before anything is
written. Problems are ``ImportProblem`` values that the app and the command line render alike.
"""

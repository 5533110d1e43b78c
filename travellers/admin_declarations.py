"""Admin for communities, declarations and follow-up."""

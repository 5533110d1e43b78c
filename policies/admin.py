"""Admin for regions, risk data, policy versions and announcements."""

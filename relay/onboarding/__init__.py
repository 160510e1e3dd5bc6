"""Onboarding: Connect links, the server-side claim of an Embedded Signup, disconnect."""

"""The template cache's sync with Meta: reading every page of an account's templates, and its triggers."""

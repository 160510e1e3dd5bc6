"""Meta's OpenAPI subset the simulator validates against, and the script that extracts it."""

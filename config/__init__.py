"""Configuration: typed settings from the environment and consultation definitions."""

"""The platform-free conversation engine: neutral events in, neutral replies out."""

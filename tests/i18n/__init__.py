"""Tests of the six languages: catalogues, formatting, right-to-left text, journeys."""

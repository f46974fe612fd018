"""The conversation's features; each module holds the steps of one part of the journey."""

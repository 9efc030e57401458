"""Models of this app arrive with its capability; see README.md."""

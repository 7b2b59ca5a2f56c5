"""Generated for API version v3.1: do not edit."""

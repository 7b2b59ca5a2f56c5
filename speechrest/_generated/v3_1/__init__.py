"""Generated models: API version v3.1. Do not edit."""

"""Generated models: API version v3.0. Do not edit."""

"""Generated models: shared by API versions v3.0, v3.1. Do not edit."""

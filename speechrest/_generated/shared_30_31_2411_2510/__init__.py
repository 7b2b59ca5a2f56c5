"""Generated models: shared by API versions v3.0, v3.1, 2024-11-15, 2025-10-15. Do not edit."""

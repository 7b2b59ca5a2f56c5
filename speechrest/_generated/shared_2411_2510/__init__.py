"""Generated models: shared by API versions 2024-11-15, 2025-10-15. Do not edit."""

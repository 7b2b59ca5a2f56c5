"""Generated code of API version 2025-10-15. Do not edit."""

"""Generated code of API version 2024-11-15. Do not edit."""

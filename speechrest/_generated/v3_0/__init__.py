"""Generated code of API version v3.0. Do not edit."""

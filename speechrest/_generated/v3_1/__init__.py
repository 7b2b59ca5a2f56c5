"""Generated code of API version v3.1. Do not edit."""

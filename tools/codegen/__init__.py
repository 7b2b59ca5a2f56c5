"""The speechrest code generator: Swagger 2.0 in, ``speechrest/_generated`` out."""

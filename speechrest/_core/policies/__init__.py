"""The pipeline's policies: one concern each, each knowing only the request, the call's context and the next."""

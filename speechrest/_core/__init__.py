"""The request core: records the generated tables hold, the request pipeline, its transport and clock."""

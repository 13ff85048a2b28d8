"""Estate files: schema, validation with field-path messages, discovery, the built-in demo."""

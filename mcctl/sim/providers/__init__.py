"""One module per simulated resource provider."""

"""The command line: Typer app built in `main.create_app()`; one module per command group."""

"""The `omnirec` command line (typer): one module per command group; heavy imports happen inside commands."""

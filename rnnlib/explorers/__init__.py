"""The notebooks' interactive explorers: update functions and Explorer constructors,
one module per notebook."""

"""`python -m ltgraph` runs the CLI."""

from ltgraph.cli import main

if __name__ == "__main__":
    main()

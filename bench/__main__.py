"""Entry point: `python -m bench [--users N] [--postgres] [--duration S]`."""

from bench.cli import main

if __name__ == "__main__":
    main()

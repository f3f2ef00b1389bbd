"""``python -m unspin`` runs the command-line tool."""

from unspin.cli import app

if __name__ == "__main__":
    app(prog_name="unspin")

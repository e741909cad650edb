"""The default Jinja2 templates; a package so that they ship inside the wheel."""

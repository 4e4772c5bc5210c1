"""The composition root: settings, the command line, the web server and the platform edges."""

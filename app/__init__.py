"""The Streamlit front end, thin over the library: ``streamlit_app.py`` wires
the page; :mod:`app.state` holds the session's state, :mod:`app.views` draws
each part of the page, :mod:`app.figures` builds the figures and
:mod:`app.services` does the work."""

"""Figures as pure functions: problems, solutions and statistics in, plotly
figures out.  No Streamlit here."""

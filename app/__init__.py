"""The Streamlit front end: layout in streamlit_app.py, figures in charts.py."""

"""The app's pages, one module per part of the page (sidebar, the area above
the tabs, each tab)."""

"""What the page does without drawing: loading problems, running the solver
in the background, the rows of its tables, the files it offers."""

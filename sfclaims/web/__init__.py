"""The team's workspace in the browser (`sfclaims serve`): a server-rendered FastAPI app on the
GOV.UK Design System, on the same database and the same stages as the command line."""

"""The workspace's pages, one module per thing a person does: sign in, see the quarter, import,
claim, audit, and administer."""

"""GitHub: the REST client, the sticky PR comment, the commit status, and the workflow commands.

`client` is the only module that reads `GITHUB_TOKEN`; `publish` ties the pieces together.
"""

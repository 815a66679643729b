"""One module per inbound channel: authenticate, validate, normalise to an IncomingAppeal."""

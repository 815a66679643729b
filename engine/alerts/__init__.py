"""Alert delivery: the message to send and the senders for each channel."""

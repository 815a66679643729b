"""Replies to the resident on the channel they used: the message handed to a platform adapter, and
the adapters (VK, Telegram, e-mail, a generic channel's signed callback)."""

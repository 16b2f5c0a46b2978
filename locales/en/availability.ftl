## Availability: a flood of messages, Redis unavailable.

flood-slow-down = Too many messages in a row — please wait a little. The messages you just sent were not processed: repeat what you need in a few seconds.

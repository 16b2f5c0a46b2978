## Availability: a flood of messages, Redis unavailable.

flood-slow-down = Too many messages in a row — please wait a little. The messages you just sent were not processed: repeat what you need in a few seconds.
position-unavailable = Could not restore where you were in the conversation. Please start from the menu: /menu — everything you entered is kept.

## Availability: a flood of messages, Redis or the database unavailable.

flood-slow-down = Too many messages in a row — please wait a little. The messages you just sent were not processed: repeat what you need in a few seconds.
position-unavailable = Could not restore where you were in the conversation. Please start from the menu: /menu — everything you entered is kept.
database-unavailable = ⏳ The service is briefly unavailable. Your message will not be lost: we will answer as soon as it is back — no need to send it again.

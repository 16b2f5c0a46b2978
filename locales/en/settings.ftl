## Notification settings (/settings)

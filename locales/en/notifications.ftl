## Push texts: no personal data, they show on a locked screen

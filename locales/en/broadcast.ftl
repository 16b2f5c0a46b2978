## Operators broadcasting: regulatory changes and inspections

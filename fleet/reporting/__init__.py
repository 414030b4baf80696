"""Reporting: utilisation, recorded meter use, impact, open-book costs and fleet plans. Reads every layer
below it; nothing below reads it."""

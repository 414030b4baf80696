"""The bottom layer of the domain: the declarative base and column types, errors and messages, zones and
local time, geo, opening hours, money, SQL expressions shared by both databases, and domain signals.
Imports nothing else of fleet."""

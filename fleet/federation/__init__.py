"""Federation between Commonpool installations: keys and signed requests (`keys`, `signatures`), agreements
with partners (`partners`), fetching their Commons API catalogue (`subscription`), their items in a member's
search (`remote_search`), and booking across installations (`remote_bookings` on the borrowing side,
`partner_bookings` on the lending side). The HTTP client is `http_client`."""

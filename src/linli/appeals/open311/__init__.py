"""Open311 GeoReport v2 over the appeals: a county's categories as services, public appeals as
service requests, and appeals posted by registered Open311 clients. Mounted at /open311/v2/;
see docs/open311.md."""

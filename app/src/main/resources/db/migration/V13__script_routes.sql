-- Host names routed to a script (wrangler's routes / custom domains): one owner per host, so a
-- second script claiming a host is refused by the key, not only by a check before it.
-- paths: the route patterns' paths on that host, one per line (e.g. /*, /api/*).
CREATE TABLE script_route (
    host   TEXT PRIMARY KEY,
    script TEXT NOT NULL,
    paths  TEXT NOT NULL
);

CREATE INDEX script_route_script ON script_route (script);

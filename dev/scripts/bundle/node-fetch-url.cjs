// Stands in for Node's `url` module where node-fetch 2 imports it in the function bundles (the bundle plugin in
// dev/scripts/bundle/options.ts resolves only node-fetch's `require('url')` here). node-fetch 2.7.0's parseURL
// (lib/index.js) normalises an absolute URL with `new URL(urlStr).toString()` and then calls the legacy
// `url.parse`, which Node 24 deprecates at run time: the first Kubernetes call of every pod printed
// "[DEP0169] DeprecationWarning: `url.parse()` behavior is not standardized…" to stderr, the one line of its log
// that is not JSON. `parse` here builds url.parse's result from the WHATWG parser instead, for the absolute
// http(s) URLs client-node passes (node-fetch only reads protocol and hostname from it, spreads it into
// http(s).request options, and formats it back for Response#url). Everything else is Node's own module.
'use strict';
const url = require('node:url');

/** url.parse's fields, for an absolute URL (a relative one throws, as node-fetch then refuses it anyway). */
function parse(input) {
  const parsed = new URL(input);
  const auth = parsed.username ? `${decodeURIComponent(parsed.username)}${parsed.password ? `:${decodeURIComponent(parsed.password)}` : ''}` : null;
  return {
    protocol: parsed.protocol,
    slashes: true,
    auth,
    host: parsed.host,
    port: parsed.port || null,
    // url.parse gives an IPv6 host without its brackets, as http.request wants it.
    hostname: parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname,
    hash: parsed.hash || null,
    search: parsed.search || null,
    query: parsed.search ? parsed.search.slice(1) : null,
    pathname: parsed.pathname,
    path: `${parsed.pathname}${parsed.search}`,
    href: parsed.href,
  };
}

module.exports = { ...url, parse };

// Stands in for whatwg-url 5 in the function bundles (dev/scripts/bundle/options.ts aliases it here).
// Its only importer is node-fetch 2 (via @kubernetes/client-node), whose lib/index.js reads just
// `whatwgUrl.URL`, and only as a fallback: `const URL = Url.URL || whatwgUrl.URL` (Node's `url`
// module has had URL since Node 10). Node's own WHATWG URL classes take its place, and whatwg-url's
// tr46 (about 260 KiB of Unicode tables) and its `punycode` require drop out of the bundle.
'use strict';
module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };

// CloudFront Function (runtime cloudfront-js-2.0) on viewer requests of the web UI's default
// behaviour. The single-page app owns its routes, so a path that names no file is answered
// with /index.html (S3's 200). A path that names a file goes to S3 unchanged, so a missing
// file stays S3's 404 instead of becoming the app's page (which an error-response mapping of
// 403/404 would do for every path): every path under /assets/ (the build's chunks, whatever
// their names), and any path whose last segment has an extension. Route segments may hold
// DIDs, whose dots are not extensions (did:web:example.com): a colon, raw or percent-encoded,
// marks a segment as not a file name. The build's other pages (the API reference) are folders
// with an index.html of their own, served as such, as locally. The same rule as the local
// gateway's (local_stack/static_site.py); tests/vectors/spa_paths.json holds the cases both
// are tested on.
var PAGES = ["/api-docs"];
var ASSETS = "/assets";

function handler(event) {
  var request = event.request;
  var folder = request.uri.replace(/\/+$/, "");
  if (PAGES.indexOf(folder) !== -1) {
    request.uri = folder + "/index.html";
    return request;
  }
  var lastSegment = request.uri.substring(request.uri.lastIndexOf("/") + 1);
  var asset = folder === ASSETS || request.uri.indexOf(ASSETS + "/") === 0;
  var namesFile = asset
    || (/\.[A-Za-z0-9]{1,8}$/.test(lastSegment) && !/:|%3a/i.test(lastSegment));
  if (!namesFile) {
    request.uri = "/index.html";
  }
  return request;
}

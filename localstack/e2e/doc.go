// Package e2e is test harness: the end-to-end tests, HTTP requests with real bearer tokens
// through the local gateway and JWT authorizer to the functions, on moto, the
// consent pages and the portal also in headless Chromium. It has no code of
// its own.
package e2e

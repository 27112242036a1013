// Package docs is support: the tests that keep the documentation true to
// the code (docs/architecture.md's package table, from each package's doc
// comment).
package docs

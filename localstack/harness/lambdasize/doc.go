// Package lambdasize is test harness: it holds the tests that keep the Lambda
// bootstraps small: each is built for AWS exactly as `make build` builds it
// and its size checked, and the functions' dependencies are checked for
// libraries that only the developer tools may link. It has no code of its own.
package lambdasize

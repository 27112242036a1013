// Package conflict is support: it makes a read-modify-write again when its conditional
// write lost a race to another writer: the one bounded retry loop for every
// version-guarded write whose change may simply be made on what won.
package conflict

import "errors"

// Attempts is how many times a read-modify-write is made in all before the
// lost race is the caller's answer (a conflict, 409: read again).
const Attempts = 4

// Retry runs attempt, which reads, decides and writes conditionally, again
// while it fails with stale, at most Attempts times in all, and returns the
// last attempt's error. Use it only where making the change on what won is
// what the caller asked for (a desired state, as a PUT sends), never where
// the caller decided on a state it had seen.
func Retry(stale error, attempt func() error) error {
	var err error
	for range Attempts {
		if err = attempt(); !errors.Is(err, stale) {
			return err
		}
	}
	return err
}

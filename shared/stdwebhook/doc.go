// Package stdwebhook is an adapter: it pushes JSON documents to a third party's registered webhook
// endpoint following the Standard Webhooks specification
// (https://www.standardwebhooks.com/):
//
//   - every request carries webhook-id, webhook-timestamp (unix seconds) and
//     webhook-signature, a space-separated list of "v1,<base64 HMAC-SHA256>"
//     signatures over "<id>.<timestamp>.<body>", one per active secret, so a
//     secret can be rotated with an overlap during which both sign;
//   - endpoints are reached only through a Policy's client, which refuses
//     loopback, private, link-local (including the cloud metadata address),
//     CGNAT, multicast and unspecified addresses at connect time, after DNS
//     resolution, does not follow redirects and bounds what it reads;
//   - Push makes one attempt and classifies it (Delivered, Retry, Gone), and
//     NextAttempt gives the deterministic retry schedule over about three days.
//
// The package holds no state and talks to no AWS service: the caller keeps
// the outbox, the secrets and the attempt count.
package stdwebhook

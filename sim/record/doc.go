// Package record is the recording reverse proxy behind `bookingharness record`: a service
// points its Cal.com base URL at the recorder, which forwards every request to Cal.com's
// API v2 (the upstream, which may be remote) and writes each exchange, as it completes, to
// a HAR 1.2 file (sim/har) — the format browsers, mitmproxy and most HTTP tools export.
// Optionally it sits in front of the service's webhook receiver too, recording Cal.com's
// deliveries on their way in. `bookingharness incident from-har` (sim/fromhar) turns the
// file into an incident file.
//
// What the file holds:
//
//   - every exchange as one entry, written when it completes (or fails), with
//     startedDateTime and timings (send: until the request was written, wait: until the
//     answer began, receive: until it ended) on Config.Now — the wall clock, or a harness
//     world's virtual clock;
//   - _harness {kind, began, ended}: api or webhook, and logical ticks of arrival and
//     completion, so whether two exchanges overlapped is known even when a virtual clock
//     gave them one instant;
//   - an exchange that got no complete answer has status 0 and _error naming why:
//     client-gave-up (the client closed its request: a timeout or a cancel), upstream-cut
//     (reset or closed by the upstream) or upstream-unreachable. The recorder mirrors an
//     upstream cut by cutting the client's connection too, so the service sees what it
//     would have seen without the recorder.
//
// What never reaches the file: credentials — Authorization (written "Bearer [redacted]"),
// cookies, Cal.com's OAuth headers, the webhook signature, any header named like a key,
// token, secret or signature, JSON fields and query parameters named secret, apiKey,
// password or *token; and every such value is also replaced wherever else it appears in
// the exchange (an error body echoing the key). Config.Secrets adds values (the webhook
// secret, which never travels itself). Unless Config.KeepPII: attendee names, emails and
// phone numbers — found where Cal.com's API and webhooks carry them (attendee, attendees[],
// guests, bookingFieldsResponses, a webhook's responses, the attendeeEmail/attendeeName
// filters) and then replaced wherever they occur in that exchange (a booking's title names
// the attendee) — by stable pseudonyms (see pseudonyms). A body over Config.MaxBody is not
// kept at all when PII is being pseudonymised, since its attendee data could not be found.
//
// Memory is bounded: no entry is kept after it is written, and each body is copied up to
// Config.MaxBody. The file is valid HAR after every entry (har.Writer); stopping the
// servers, Wait and closing the writer leaves a clean file.
package record

// Package calcom is a typed client for the parts of Cal.com API v2 that a booking agent
// uses. It tells a definite failure from an ambiguous one, because the core must never guess
// whether a booking exists.
package calcom

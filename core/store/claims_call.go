package store

import "context"

// PendingClaimsOfCall returns the pending claims of one phone call, in id order: where a
// booking Cal.com reports for that call (a BOOKING_CREATED webhook) may belong when the call's
// own attempt never heard Cal.com's answer. Needs the claims migration (the hardened schema).
func PendingClaimsOfCall(ctx context.Context, q Querier, retellCallID string) ([]Claim, error) {
	return queryClaims(ctx, q, `c.retell_call_id = $1 ORDER BY a.id`, retellCallID)
}

package core

// handOverResult says what attempts.handOver did with a booking uid a webhook reported.
type handOverResult int

const (
	// handedOver: an attempt of this Service holds the call's slot and has not yet given up
	// looking for its booking; it will look at the uid before it answers unknown.
	handedOver handOverResult = iota
	// leftInFlight: an attempt holds the slot but has already looked (sealed); the claim is
	// left to it, and to a retry of the call or Sweep if it ends unknown.
	leftInFlight
	// tookOver: no attempt holds the slot; the caller is registered as its holder (end it
	// with attempts.end when done) and may settle the claim itself.
	tookOver
)

// handOver passes uid, a booking Cal.com reported for key's call and slot, to the attempt in
// flight on key, or registers the caller as the holder of key when there is none. It never
// waits: a webhook delivered inside the very create the attempt is waiting for (Cal.com's
// legacy, synchronous path) must not wait for that attempt.
func (as *attempts) handOver(key attemptKey, uid string) (*attempt, handOverResult) {
	as.mu.Lock()
	defer as.mu.Unlock()
	for _, x := range as.byKey[key] {
		if x.waiting {
			continue
		}
		if x.sealed {
			return nil, leftInFlight
		}
		x.hint = uid
		return nil, handedOver
	}
	a := &attempt{key: key, done: make(chan struct{})}
	as.byKey[key] = append(as.byKey[key], a)
	return a, tookOver
}

// sealHint returns the uid a webhook handed to a ("" for none) and seals a: later webhooks
// leave the claim to it instead of handing it a uid nobody would read.
func (as *attempts) sealHint(a *attempt) string {
	as.mu.Lock()
	defer as.mu.Unlock()
	a.sealed = true
	return a.hint
}

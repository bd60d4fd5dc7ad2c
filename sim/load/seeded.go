package load

// Seeded draws. Every random choice of a run that belongs to one call (its slot, its Cal.com
// latency, whether it cancels) is a pure function of the seed, a purpose and the call, never
// of a shared generator's state: a choice does not depend on which worker got the call or in
// which order calls arrived, so an open-loop and a closed-loop run with one seed ask the same
// things of the same calls.

// draw returns 64 well-mixed bits for (seed, purpose, key, n).
func draw(seed int64, purpose, key string, n uint64) uint64 {
	h := fnv1a(fnv1a(fnvOffset, purpose)^0xff, key)
	return mix(mix(h^uint64(seed)) ^ n)
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnv1a folds s into the FNV-1a hash h (inline, so a draw allocates nothing).
func fnv1a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// mix is SplitMix64's finaliser: a bijection that spreads every input bit over the output.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit maps 64 random bits to [0, 1).
func unit(u uint64) float64 { return float64(u>>11) / (1 << 53) }

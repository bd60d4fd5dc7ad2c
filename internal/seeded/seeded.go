// Package seeded is the harness's one source of reproducible randomness: a draw that is a
// pure function of (seed, purpose, key, n), the firing schedule of a fault rule built on
// it, and the one grammar for a probability. Nothing here holds state, so whether a call is
// faulted — or which slot it asks for, or how slow its Cal.com answer is — never depends on
// which goroutine got the call or in which order calls arrived: two runs with one seed ask
// and fault exactly the same things of the same calls.
//
// The fake Cal.com (fakecalcom), the Postgres wire proxy (sim/pgproxy) and the load
// generator (sim/load) all draw here; none of them may import sim/, which is why it lives
// under internal/.
package seeded

// Draw returns 64 well-mixed bits for (seed, purpose, key, n): FNV-1a over purpose and key
// (with a separator, so ("ab","c") and ("a","bc") differ), mixed with the seed and n by
// SplitMix64's finaliser. It allocates nothing.
func Draw(seed int64, purpose, key string, n uint64) uint64 {
	h := fnv1a(fnv1a(fnvOffset, purpose)^0xff, key)
	return mix(mix(h^uint64(seed)) ^ n)
}

// Fraction is Draw mapped to [0, 1), for a probability test: Fraction(…) < p.
func Fraction(seed int64, purpose, key string, n uint64) float64 {
	return Unit(Draw(seed, purpose, key, n))
}

// Unit maps 64 random bits to [0, 1) (the top 53 bits, so every value is a float64 exactly).
func Unit(u uint64) float64 { return float64(u>>11) / (1 << 53) }

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

package fault

import (
	"fmt"
	"slices"
	"strings"
)

// System is what a system under test offers the injectors: where a fault can go. The world
// builds it for its system under test (sim/world); the replay and the load ask it before
// they start anything.
type System struct {
	// Name says which system it is in messages ("the reference core", "the service of
	// sut.yaml").
	Name string
	// BlackBox is true for a service behind the black-box contract; TimeMode is then its
	// sut.yaml time: mode (age, header or faketime).
	BlackBox bool
	TimeMode string
	// Offered lists the needs the system meets.
	Offered []Need
}

// InProcess is the reference core in this process: the harness owns its webhook handler,
// its pool and its process, so it offers every need.
func InProcess() System {
	return System{Name: "the reference core", Offered: Needs()}
}

// Offers reports whether s meets n.
func (s System) Offers(n Need) bool { return slices.Contains(s.Offered, n) }

// Blocker says why f cannot be injected into s; "" when it can.
func (f Fault) Blocker(s System) string {
	for _, n := range f.Where.Needs {
		if !s.Offers(n) {
			return n.Reason()
		}
	}
	if s.BlackBox && f.Where.Modes != nil && !slices.Contains(f.Where.Modes, s.TimeMode) {
		return fmt.Sprintf("works black-box only with time: %s, and this service runs time: %s", strings.Join(f.Where.Modes, " or "), s.TimeMode)
	}
	return ""
}

// where describes f's availability in words, for docs.
func (f Fault) where() string {
	var needs []string
	for _, n := range f.Where.Needs {
		needs = append(needs, needPhrase(n))
	}
	s := "in process; black-box"
	if len(needs) > 0 {
		s += " with " + strings.Join(needs, " and ")
	}
	if f.Where.Modes == nil {
		s += " (every time mode)"
	} else {
		s += " (time: " + strings.Join(f.Where.Modes, ", ") + ")"
	}
	if f.Where.Caveat != "" {
		s += "; " + f.Where.Caveat
	}
	return s
}

func needPhrase(n Need) string {
	switch n {
	case NeedWebhookReceiver:
		return "a webhook receiver"
	case NeedProxy:
		return "the database proxy"
	case NeedRestart:
		return "a restart the harness controls"
	}
	return string(n)
}

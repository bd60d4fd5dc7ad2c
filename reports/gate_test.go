package reports

import (
	"strings"
	"testing"
)

// gateFacts is the passing fixture with every matrix computed.
func gateFacts(t *testing.T) Facts {
	t.Helper()
	f, err := Collect(fixtureInputs(copyFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// editRuns changes the evidence of every normal run matching spec and rebuilds the matrix.
func editRuns(f *Facts, spec string, edit func(*Run)) {
	for i := range f.Runs {
		if f.Runs[i].Spec == spec && len(f.Runs[i].Entry.LayersOff) == 0 {
			edit(&f.Runs[i])
		}
	}
	f.Coverage = BuildMatrix(f.Runs)
}

// splitRuns separates normal from knocked-out runs.
func splitRuns(runs []Run) (normal, knocked []Run) {
	for _, r := range runs {
		if len(r.Entry.LayersOff) == 0 {
			normal = append(normal, r)
		} else {
			knocked = append(knocked, r)
		}
	}
	return normal, knocked
}

// setVerdict rewrites every decision of layer to verdict ("" drops them).
func setVerdict(r *Run, layer, verdict string) {
	var out = r.Entry.Decisions[:0]
	for _, dd := range r.Entry.Decisions {
		if dd.Layer == layer {
			if verdict == "" {
				continue
			}
			dd.Verdict = verdict
		}
		out = append(out, dd)
	}
	r.Entry.Decisions = out
}

func TestGate(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*Facts)
		cfg      func(*GateConfig)
		wantRule string // "" = pass
		wantText string
	}{
		{name: "fixture passes"},
		{name: "no evidence", edit: func(f *Facts) { f.Suite.Evidence = 0 }, wantRule: RuleEvidence, wantText: "--json-report"},
		{name: "no suite at all", edit: func(f *Facts) { f.Suite = nil }, wantRule: RuleEvidence},
		{name: "failed spec", edit: func(f *Facts) {
			f.Suite.Failed = 1
			f.Suite.Failures = []SpecFailure{{Spec: "x races y"}}
		}, wantRule: RuleSuite, wantText: "x races y"},
		// Issue 10 §2: each of these inputs made the gate pass on the old code.
		{name: "suite failed as a whole without a failed spec", edit: func(f *Facts) { f.Suite.Succeeded = false },
			wantRule: RuleSuite, wantText: "did not succeed as a whole"},
		{name: "a hardened all-layers world whose check errored", edit: func(f *Facts) {
			editRuns(f, specHardRace, func(r *Run) { r.Entry.CheckError = "assumptions not met: empty history" })
		}, wantRule: RuleCheckError, wantText: "assumptions not met: empty history"},
		{name: "a seed world whose check errored", edit: func(f *Facts) {
			editRuns(f, specNone, func(r *Run) { r.Entry.CheckError = "reading appointments: connection refused" })
		}, wantRule: RuleCheckError, wantText: "connection refused"},
		{name: "no hardened all-layers world", edit: func(f *Facts) {
			for _, spec := range []string{specHardRepl, specHardRace} {
				editRuns(f, spec, func(r *Run) { r.Entry.Layers = "freshness,call_id,db_check,unique" })
			}
		}, wantRule: RuleHardenedWorld, wantText: "no world ran the hardened policy with every layer"},
		{name: "no incident replayed", edit: func(f *Facts) { f.Incidents = nil },
			wantRule: RuleIncidents, wantText: "no incident was replayed"},
		{name: "a layer that decides only under seed fails under hardened", edit: func(f *Facts) {
			editRuns(f, specHardRepl, func(r *Run) { setVerdict(r, "freshness", "accept") })
		}, wantRule: RuleLayerDecides, wantText: "hardened: layer freshness never decides"},
		{name: "a layer that decides only under hardened fails under seed", edit: func(f *Facts) {
			editRuns(f, specSeedLater, func(r *Run) { setVerdict(r, "unique", "accept") })
		}, wantRule: RuleLayerDecides, wantText: "seed: layer unique never decides"},
		{name: "slot_exclusion is not required of seed", edit: func(f *Facts) {
			// seed has no slot_exclusion layer: only hardened is judged on it.
			editRuns(f, specSeed687, func(r *Run) { setVerdict(r, "slot_exclusion", "") })
		}},
		{name: "a knocked-out world errored", edit: func(f *Facts) {
			for i := range f.Runs {
				if f.Runs[i].Spec == specHardRace && len(f.Runs[i].Entry.LayersOff) > 0 {
					f.Runs[i].Entry.CheckError = "ginkgo: spec timed out"
				}
			}
			n, k := splitRuns(f.Runs)
			f.Necessity = BuildNecessity(n, k, nil)
		}, wantRule: RuleKnockedOut, wantText: specHardRace},
		{name: "a sabotage survived the self-test", edit: func(f *Facts) {
			f.Mutation.Caught--
			f.Mutation.Survived = []string{"hardened/lookup"}
		}, wantRule: RuleMutation, wantText: "survived: hardened/lookup — each is a missing spec"},
		{name: "a sabotage was inconclusive", edit: func(f *Facts) {
			f.Mutation.Caught--
			f.Mutation.Inconclusive = []string{"core/cancel"}
		}, wantRule: RuleMutation, wantText: "inconclusive: core/cancel"},
		{name: "layer never reached", edit: func(f *Facts) {
			editRuns(f, specHardRepl, func(r *Run) { setVerdict(r, "slot_exclusion", "") })
			editRuns(f, specHardRace, func(r *Run) { setVerdict(r, "slot_exclusion", "") })
		}, wantRule: RuleLayerReached, wantText: "layer slot_exclusion is never reached"},
		{name: "layer that always accepts never decides", edit: func(f *Facts) {
			editRuns(f, specSeed687, func(r *Run) { setVerdict(r, "freshness", "accept") })
		}, wantRule: RuleLayerDecides, wantText: "layer freshness never decides"},
		{name: "inconclusive is not a decision", edit: func(f *Facts) {
			editRuns(f, specHardRace, func(r *Run) { setVerdict(r, "unique", "inconclusive") })
		}, wantRule: RuleLayerDecides, wantText: "layer unique never decides"},
		{name: "layer not required", edit: func(f *Facts) {
			editRuns(f, specSeed687, func(r *Run) { setVerdict(r, "freshness", "accept") })
		}, cfg: func(c *GateConfig) { c.Layers = []string{"call_id", "db_check", "unique", "slot_exclusion"} }},
		{name: "hardened all-layers violation", edit: func(f *Facts) {
			editRuns(f, specHardRace, func(r *Run) { r.Entry.Violations = []string{"double_booked_slot"} })
		}, wantRule: RuleHardened, wantText: `"hardened: two calls race for one slot" breaks double_booked_slot`},
		{name: "hardened violation declared by the spec still fails", edit: func(f *Facts) {
			editRuns(f, specHardRace, func(r *Run) {
				r.Entry.Violations = []string{"orphan_booking", "phantom_appointment"}
				r.Entry.ExpectedViolations = []string{"orphan_booking", "phantom_appointment"}
			})
		}, wantRule: RuleHardened},
		{name: "hardened partly declared violation fails", edit: func(f *Facts) {
			editRuns(f, specHardRace, func(r *Run) {
				r.Entry.Violations = []string{"duplicate_booking_id", "orphan_booking"}
				r.Entry.ExpectedViolations = []string{"orphan_booking"}
			})
		}, wantRule: RuleHardened, wantText: "breaks duplicate_booking_id, orphan_booking"},
		{name: "hardened with a layer off may violate", edit: func(f *Facts) {
			editRuns(f, specHardRace, func(r *Run) {
				r.Entry.Layers = "call_id"
				r.Entry.Violations = []string{"duplicate_booking_id"}
			})
		}},
		{name: "seed known weakness passes", edit: func(f *Facts) {
			editRuns(f, specSeed687, func(r *Run) { r.Entry.Violations = []string{"orphan_booking", "untruthful_outcome"} })
		}},
		{name: "seed unknown violation fails", edit: func(f *Facts) {
			editRuns(f, specSeed687, func(r *Run) { r.Entry.Violations = []string{"double_booked_slot", "orphan_booking"} })
		}, wantRule: RuleSeedKnown, wantText: "breaks double_booked_slot, which is not a known seed weakness"},
		{name: "seed violation declared by the run passes", edit: func(f *Facts) {
			editRuns(f, specSeed687, func(r *Run) {
				r.Entry.Violations = []string{"double_booked_slot"}
				r.Entry.ExpectedViolations = []string{"double_booked_slot"}
			})
		}},
		{name: "seed weakness list is configurable", edit: func(f *Facts) {
			editRuns(f, specSeed687, func(r *Run) { r.Entry.Violations = []string{"orphan_booking"} })
		}, cfg: func(c *GateConfig) { c.KnownSeedWeaknesses = []string{"untruthful_outcome"} }, wantRule: RuleSeedKnown},
		{name: "failed incident", edit: func(f *Facts) {
			f.Incidents[0].Pass = false
			f.Incidents[0].Failures = []string{"step 2: want slot_taken, got booked"}
		}, wantRule: RuleIncidents, wantText: "want slot_taken, got booked"},
		{name: "duplicate not reproduced", edit: func(f *Facts) {
			f.Reproduction.Reproduced = false
			f.Reproduction.Violated = []string{}
		}, wantRule: RuleReproduce687, wantText: "did not reproduce the duplicate"},
		{name: "reproduction could not run", edit: func(f *Facts) {
			f.Reproduction.Reproduced = false
			f.Reproduction.Error = "Postgres unavailable"
		}, wantRule: RuleReproduce687, wantText: "Postgres unavailable"},
		{name: "reproduction from the suite's no-layers spec", edit: func(f *Facts) { f.Reproduction = nil }},
		{name: "no reproduction anywhere", edit: func(f *Facts) {
			f.Reproduction = nil
			editRuns(f, specNone, func(r *Run) { r.Entry.Violations = []string{} })
		}, wantRule: RuleReproduce687, wantText: "no no-layers run"},
		{name: "reproduction not required", edit: func(f *Facts) {
			f.Reproduction = nil
			editRuns(f, specNone, func(r *Run) { r.Entry.Violations = []string{} })
		}, cfg: func(c *GateConfig) { c.RequireReproduction = false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := gateFacts(t)
			cfg := fixtureGateConfig()
			if tt.edit != nil {
				tt.edit(&f)
			}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			g := Gate(f, cfg)
			if tt.wantRule == "" {
				if !g.Pass || len(g.Findings) != 0 {
					t.Fatalf("want PASS, got\n%s", g)
				}
				return
			}
			if g.Pass {
				t.Fatalf("want FAIL by %s, got PASS", tt.wantRule)
			}
			found := false
			for _, x := range g.Findings {
				found = found || (x.Rule == tt.wantRule && strings.Contains(x.Message, tt.wantText))
			}
			if !found {
				t.Fatalf("want a %s finding containing %q, got\n%s", tt.wantRule, tt.wantText, g)
			}
			if !strings.HasPrefix(g.String(), "gate: FAIL") || !strings.Contains(g.String(), "["+tt.wantRule+"]") {
				t.Fatalf("String() = %q", g.String())
			}
		})
	}
}

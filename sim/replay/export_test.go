package replay

// ForceBlackBoxRun returns opts that run a black-box file in sut.yaml's time mode even when
// the harness would skip it for its clock: tests show with it why a skip must stay.
func ForceBlackBoxRun(opts Options) Options {
	opts.force = true
	return opts
}

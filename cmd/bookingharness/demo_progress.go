package main

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"
)

// phaseBar is one progress line of the demo: a bar on a terminal, nothing when the output is
// not a terminal or CI is set (progressBar decides, as for `load`).
type phaseBar struct {
	bar *progressbar.ProgressBar
	out io.Writer
}

// startPhase shows name with a bar over total steps.
func startPhase(out io.Writer, name string, total int) phaseBar {
	bar := progressBar(out, true, total)
	if bar != nil {
		bar.Describe(name)
		_ = bar.RenderBlank()
	}
	return phaseBar{bar: bar, out: out}
}

// set reports n steps done; safe from several goroutines (the load's workers).
func (b phaseBar) set(n int) {
	if b.bar != nil {
		_ = b.bar.Set(n)
	}
}

// finish completes the line, so the next phase starts on its own.
func (b phaseBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
		fmt.Fprintln(b.out)
	}
}

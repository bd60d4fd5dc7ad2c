package sabotage

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
)

// firesExt ends the name of a process's firing count in HARNESS_SABOTAGE_FIRES.
const firesExt = ".fires"

// ReadFires sums the firings every process of a run recorded in dir (HARNESS_SABOTAGE_FIRES):
// how often each sabotage changed what happened. A missing directory is no firing.
func ReadFires(dir string) (map[Name]int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"+firesExt))
	if err != nil {
		return nil, fmt.Errorf("sabotage: %w", err)
	}
	out := map[Name]int{}
	for _, p := range files {
		if err := countLines(p, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func countLines(path string, into map[Name]int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sabotage: read firings: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			into[Name(line)]++
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("sabotage: read firings %s: %w", path, err)
	}
	return nil
}

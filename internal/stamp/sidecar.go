package stamp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// SidecarExt ends the name of a sidecar stamp: the stamp of an artefact whose format has no
// room for one (a Go coverage profile), written next to it as <artefact>.stamp.json.
const SidecarExt = ".stamp.json"

// sidecar is the file: the stamp, and the artefact's digest when it was stamped, so an
// artefact replaced after its stamp was written is not taken for the stamped one.
type sidecar struct {
	Stamp  Stamp  `json:"stamp"`
	SHA256 string `json:"sha256"`
}

// WriteSidecar writes artefact's sidecar stamp s with the artefact's current digest.
func WriteSidecar(artefact string, s Stamp) error {
	sum, err := digest(artefact)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(sidecar{Stamp: s, SHA256: sum}, "", "  ")
	if err != nil {
		return fmt.Errorf("stamp: %w", err)
	}
	if err := os.WriteFile(artefact+SidecarExt, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("stamp: %w", err)
	}
	return nil
}

// ReadSidecar reads artefact's sidecar stamp and checks the artefact is the one stamped. A
// missing artefact or sidecar is an error that wraps fs.ErrNotExist.
func ReadSidecar(artefact string) (Stamp, error) {
	data, err := os.ReadFile(artefact + SidecarExt)
	if err != nil {
		return Stamp{}, fmt.Errorf("stamp: %s carries no stamp: %w", artefact, err)
	}
	var sc sidecar
	if err := json.Unmarshal(data, &sc); err != nil {
		return Stamp{}, fmt.Errorf("stamp: %s%s is not a stamp: %w", artefact, SidecarExt, err)
	}
	sum, err := digest(artefact)
	if err != nil {
		return Stamp{}, err
	}
	if sum != sc.SHA256 {
		return Stamp{}, fmt.Errorf("stamp: %s changed after it was stamped (digest %s, stamped %s)", artefact, short(sum), short(sc.SHA256))
	}
	return sc.Stamp, nil
}

func digest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("stamp: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("stamp: read %s: %w", path, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func short(s string) string {
	if len(s) > 19 {
		return s[:19] + "…"
	}
	return s
}

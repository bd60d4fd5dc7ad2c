package blackbox

import (
	"github.com/bookingharness/bookingharness/internal/strictyaml"
	"go.yaml.in/yaml/v3"
)

// DefaultWebhookPath is where a service's webhook receiver usually is; sut.yaml's
// webhooks.path names the service's own.
const DefaultWebhookPath = "/webhooks/calcom"

// judging reads what decides how the service is judged: policy, webhooks and skip.
func (p nodes) judging(m map[string]*yaml.Node, s *SUT) error {
	s.Policy = "hardened"
	if n := m["policy"]; !strictyaml.IsNull(n) {
		v, err := p.OneOf(n, "policy", "seed", "hardened")
		if err != nil {
			return err
		}
		s.Policy = v
	}
	if n := m["webhooks"]; !strictyaml.IsNull(n) {
		if s.Command == nil {
			return p.ErrAt(n, "webhooks", "needs command: the harness hands the webhook secret to a service it starts (in webhooks.secret_env)")
		}
		wm, err := p.Mapping(n, "webhooks", "path", "secret_env")
		if err != nil {
			return err
		}
		w := &Webhooks{Path: DefaultWebhookPath}
		if v := wm["path"]; !strictyaml.IsNull(v) {
			if w.Path, err = p.route(v, "webhooks.path"); err != nil {
				return err
			}
		}
		v, err := p.Required(wm, n, "webhooks", "secret_env")
		if err != nil {
			return p.ErrAt(n, "webhooks.secret_env", "is required: the environment variable your receiver reads Cal.com's signing secret from (e.g. CALCOM_WEBHOOK_SECRET)")
		}
		if w.SecretEnv, err = p.envVar(v, "webhooks.secret_env"); err != nil {
			return err
		}
		s.Webhooks = w
	}
	if n := m["skip"]; !strictyaml.IsNull(n) {
		if n.Kind != yaml.MappingNode {
			return p.ErrAt(n, "skip", "must be a mapping INCIDENT: why (an incident's name or file name, and the reason the report prints), got %s", strictyaml.KindName(n))
		}
		s.Skip = map[string]string{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := strictyaml.Deref(n.Content[i]), strictyaml.Deref(n.Content[i+1])
			path := strictyaml.Join("skip", k.Value)
			if _, dup := s.Skip[k.Value]; dup {
				return p.ErrAt(k, path, "duplicate key")
			}
			why, err := p.nonEmpty(v, path)
			if err != nil {
				return p.ErrAt(v, path, "needs a reason: the report prints it next to the skipped file")
			}
			s.Skip[k.Value] = why
		}
	}
	return nil
}

package kubernetes

import (
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// WriteYAML writes the manifests as one multi-document YAML stream for
// `kubectl apply -f`, opened by comments that say which Secrets to create
// and what did not translate.
func (m *Manifests) WriteYAML(w io.Writer, source string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Kubernetes manifests from %s, written by `watchdog export kubernetes`.\n", source)
	fmt.Fprintf(&b, "# Review before applying; docs/kubernetes.md says how each key maps.\n")
	if len(m.Secrets) > 0 {
		b.WriteString("#\n# Create these Secrets first (the export never writes a secret's value):\n")
		for _, s := range m.Secrets {
			fmt.Fprintf(&b, "#   kubectl create secret generic %s", s.Name)
			if s.EnvFile != "" {
				fmt.Fprintf(&b, " --from-env-file=%s", s.EnvFile)
			}
			for _, k := range s.Refs {
				fmt.Fprintf(&b, ` --from-literal=%s="$%s"`, k, k)
			}
			b.WriteString("\n")
		}
	}
	if len(m.Gaps) > 0 {
		b.WriteString("#\n# Not translated (vigil.yaml → what to use instead):\n")
		for _, g := range m.Gaps {
			who := g.Service
			if who == "" {
				who = "(all)"
			}
			fmt.Fprintf(&b, "#   %s: %s → %s\n", who, g.What, g.Instead)
		}
	}
	for _, obj := range m.Objects {
		doc, err := yaml.Marshal(obj)
		if err != nil {
			return fmt.Errorf("encode %T: %w", obj, err)
		}
		b.WriteString("---\n")
		b.Write(doc)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

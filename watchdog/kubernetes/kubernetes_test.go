package kubernetes

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/vigilhq/vigil/watchdog/config"
)

const exportConfig = `version: 1
services:
  api:
    command: ["/app/api", "--db", "${DB_URL}"]
    env: {MODE: prod, DSN: "postgres://app:${PGPASSWORD}@db/app"}
    env_file: secrets.env
    user: "1000"
    depends_on: {web_front: healthy}
    ports: [8080]
    max_memory: 256MiB
    stop: {timeout: 20s}
    health:
      liveness:
        - http: {url: "http://127.0.0.1:8080/health", headers: {X-Probe: vigil}}
          interval: 2s
          timeout: 500ms
          failures: 4
          start_period: 5s
      readiness:
        - tcp: {address: "localhost:8080"}
          interval: 1s
          timeout: 200ms
        - postgres: {dsn: "postgres://app:${PGPASSWORD}@db/app"}
  migrate:
    command: ["/app/migrate"]
    restart: {policy: on-failure, limit: {burst: 4}}
    health:
      liveness:
        - exec: {command: ["/app/migrate", "--check"]}
  web_front:
    command: ["exec /app/web >/dev/null"]
    shell: true
    sockets: [{listen: "0.0.0.0:9000"}]
    user: www-data
`

// export parses exportConfig the way watchdog-export does and returns the
// manifests and their YAML.
func export(t *testing.T, opts Options) (*Manifests, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secrets.env"), []byte("API_KEY=s3cr3t-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vigil.yaml")
	cfg, err := config.ParseWithEnv([]byte(exportConfig), path, VarRefs)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Export(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := m.WriteYAML(&b, path); err != nil {
		t.Fatal(err)
	}
	return m, b.String()
}

// TestExportRoundTripsStrictly: every document decodes strictly into its
// Kubernetes type (an unknown or misspelt field fails) and encodes back to
// the same text; the mapping of each key is checked on the decoded objects.
func TestExportRoundTripsStrictly(t *testing.T) {
	t.Setenv("PGPASSWORD", "hunter2-from-the-shell")
	t.Setenv("DB_URL", "postgres://leak")
	_, out := export(t, Options{Image: "registry.example.com/app:1.4", Images: map[string]string{"migrate": "registry.example.com/migrate:1.4"}, Namespace: "payments"})
	for _, secret := range []string{"hunter2-from-the-shell", "postgres://leak", "s3cr3t-from-file"} {
		if strings.Contains(out, secret) {
			t.Errorf("a secret value reached the manifests: %q", secret)
		}
	}
	objs := map[string]any{}
	for _, doc := range strings.Split(out, "\n---\n")[1:] {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatal(err)
		}
		var obj interface{ GetName() string }
		switch head.Kind {
		case "Deployment":
			obj = &appsv1.Deployment{}
		case "Job":
			obj = &batchv1.Job{}
		case "Service":
			obj = &corev1.Service{}
		default:
			t.Fatalf("unexpected kind %q:\n%s", head.Kind, doc)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("strict decode of a %s: %v\n%s", head.Kind, err, doc)
		}
		again, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(again)) != strings.TrimSpace(doc) {
			t.Errorf("%s %s does not round-trip:\n%s\n--- re-encoded ---\n%s", head.Kind, obj.GetName(), doc, again)
		}
		objs[head.Kind+"/"+obj.GetName()] = obj
	}
	if len(objs) != 4 {
		t.Fatalf("objects %v, want Deployments api and web-front, Job migrate, Service api", keys(objs))
	}
	checkAPI(t, objs["Deployment/api"].(*appsv1.Deployment))
	job := objs["Job/migrate"].(*batchv1.Job)
	if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure || *job.Spec.BackoffLimit != 4 ||
		job.Spec.Template.Spec.Containers[0].Image != "registry.example.com/migrate:1.4" ||
		job.Spec.Template.Spec.Containers[0].LivenessProbe.Exec.Command[1] != "--check" {
		t.Errorf("migrate: %+v", job.Spec)
	}
	web := objs["Deployment/web-front"].(*appsv1.Deployment).Spec.Template.Spec
	if got := strings.Join(web.Containers[0].Command, " "); got != "sh -c exec /app/web >/dev/null" {
		t.Errorf("web_front command %q", got)
	}
	svc := objs["Service/api"].(*corev1.Service)
	if svc.Namespace != "payments" || svc.Spec.Ports[0].Port != 8080 || svc.Spec.Selector["app.kubernetes.io/name"] != "api" {
		t.Errorf("Service api: %+v", svc)
	}
	for _, want := range []string{
		"kubectl create secret generic api-env --from-env-file=", `secrets.env --from-literal=DB_URL="$DB_URL" --from-literal=PGPASSWORD="$PGPASSWORD"`,
		"api: depends_on: {web_front: healthy}", "api: health.readiness postgres (postgres)",
		"web_front: sockets", "web_front: user: www-data",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the header does not say %q:\n%s", want, out[:strings.Index(out, "\n---\n")])
		}
	}
}

func checkAPI(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if d.Namespace != "payments" || *d.Spec.Replicas != 1 || c.Image != "registry.example.com/app:1.4" || *pod.TerminationGracePeriodSeconds != 20 || *pod.SecurityContext.RunAsUser != 1000 {
		t.Errorf("api Deployment: %+v", d)
	}
	if got := strings.Join(c.Command, " "); got != "/app/api --db $(DB_URL)" {
		t.Errorf("api command %q, want ${DB_URL} as $(DB_URL)", got)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if env["MODE"] != "prod" || env["DSN"] != "postgres://app:$(PGPASSWORD)@db/app" {
		t.Errorf("api env %v", env)
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef.Name != "api-env" {
		t.Errorf("api envFrom %+v, want the api-env Secret", c.EnvFrom)
	}
	if mem := c.Resources.Limits[corev1.ResourceMemory]; mem.String() != "256Mi" {
		t.Errorf("api memory limit %s, want 256Mi", mem.String())
	}
	l := c.LivenessProbe
	if l == nil || l.HTTPGet == nil || l.HTTPGet.Path != "/health" || l.HTTPGet.Port.IntValue() != 8080 || l.HTTPGet.HTTPHeaders[0].Value != "vigil" ||
		l.InitialDelaySeconds != 5 || l.PeriodSeconds != 2 || l.TimeoutSeconds != 1 || l.FailureThreshold != 4 || l.SuccessThreshold != 1 {
		t.Errorf("api liveness probe %+v", l)
	}
	r := c.ReadinessProbe
	if r == nil || r.TCPSocket == nil || r.TCPSocket.Port.IntValue() != 8080 || r.PeriodSeconds != 1 || r.TimeoutSeconds != 1 {
		t.Errorf("api readiness probe %+v", r)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestExportRefuses: what cannot be exported says what to do.
func TestExportRefuses(t *testing.T) {
	cfg, err := config.ParseWithEnv([]byte("version: 1\nservices:\n  a_b: {command: [x]}\n  a-b: {command: [y]}\n"), "vigil.yaml", VarRefs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Export(cfg, Options{Image: "i"}); err == nil || !strings.Contains(err.Error(), `both become "a-b"`) {
		t.Errorf("colliding names: %v", err)
	}
	cfg, err = config.ParseWithEnv([]byte("version: 1\nservices:\n  api: {command: [x]}\n  web: {command: [y]}\n"), "vigil.yaml", VarRefs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Export(cfg, Options{Images: map[string]string{"api": "i"}}); err == nil || !strings.Contains(err.Error(), "no image for web: pass --image") {
		t.Errorf("missing image: %v", err)
	}
}

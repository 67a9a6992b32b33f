// Package kubernetes turns a vigil.yaml into Kubernetes manifests, for teams
// that move their services from a host under the watchdog to a cluster:
// a Deployment (or a Job, for services that are not restarted forever) per
// service, with its health checks as probes, and a Service for its ports.
// What Kubernetes has no equivalent for is listed, with what to use instead,
// rather than dropped silently.
//
// It links k8s.io/api, which costs the daemon 4 MB of binary and 3 MB of
// memory: only cmd/watchdog-export imports it (docs/kubernetes.md).
package kubernetes

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vigilhq/vigil/watchdog/config"
)

// Options say what vigil.yaml does not: where the images are.
type Options struct {
	// Images maps a service name to its container image.
	Images map[string]string
	// Image is the image of every service not in Images (an image holding
	// all the binaries, as the watchdog's own container image does).
	Image string
	// Namespace, when set, is written into every object.
	Namespace string
}

// Gap is something of vigil.yaml the manifests do not carry.
type Gap struct {
	Service string // "" for the whole file
	What    string // the vigil.yaml key and value
	Instead string // what to use in Kubernetes
}

// Secret is a Secret the manifests reference and the operator creates: the
// export never writes a secret's value.
type Secret struct {
	Name     string   // <service>-env
	Service  string   // the service that reads it
	EnvFile  string   // the service's env_file, if any
	FileKeys []string // its keys, sorted
	Refs     []string // the ${VAR}s of env and command not in the env_file, sorted
}

// Manifests are the objects of one export, in the config's service order.
type Manifests struct {
	Objects []runtime.Object
	Secrets []Secret
	Gaps    []Gap
}

// Export maps cfg to manifests. cfg must have been parsed with VarRefs as
// its lookup, so that ${VAR} stand as $(VAR) (Kubernetes' own reference
// syntax) instead of the exporting shell's values.
func Export(cfg *config.Config, opts Options) (*Manifests, error) {
	names, err := objectNames(cfg.Order)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, svc := range cfg.Order {
		if opts.Images[svc] == "" && opts.Image == "" {
			missing = append(missing, svc)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no image for %s: pass --image SERVICE=IMAGE for each, or --default-image IMAGE for all", strings.Join(missing, ", "))
	}
	m := &Manifests{}
	for _, svc := range cfg.Order {
		if cfg.Services[svc].Restart.Policy == config.RestartAlways {
			m.Gaps = append(m.Gaps, Gap{What: "restart.backoff and restart.limit", Instead: "the kubelet's own crash-loop backoff (10 s doubling to 5 min), not configurable per pod"})
			break
		}
	}
	if len(cfg.Alerts) > 0 {
		m.Gaps = append(m.Gaps, Gap{What: "alerts", Instead: "Prometheus alerting rules on kube-state-metrics and Alertmanager (docs/monitoring/vigil-rules.yml has the same alerts)"})
	}
	for _, svc := range cfg.Order {
		e := exporter{svc: cfg.Services[svc], name: names[svc], opts: opts, m: m}
		e.export()
	}
	return m, nil
}

// exporter maps one service.
type exporter struct {
	svc  *config.Service
	name string // the object name: the service name as a DNS-1123 label
	opts Options
	m    *Manifests
}

func (e *exporter) gap(what, instead string) {
	e.m.Gaps = append(e.m.Gaps, Gap{Service: e.svc.Name, What: what, Instead: instead})
}

func (e *exporter) export() {
	s := e.svc
	pod := corev1.PodSpec{Containers: []corev1.Container{e.container()}}
	grace := int64(s.Stop.Timeout.Seconds())
	pod.TerminationGracePeriodSeconds = &grace
	if s.Stop.Signal != "SIGTERM" {
		e.gap("stop.signal: "+s.Stop.Signal, "Kubernetes stops with SIGTERM: handle it in the program, or add a preStop hook that sends "+s.Stop.Signal)
	}
	e.securityContext(&pod)
	for _, d := range slices.Sorted(maps.Keys(s.DependsOn)) {
		e.gap(fmt.Sprintf("depends_on: {%s: %s}", d, s.DependsOn[d]), "no start order between Deployments: make the program retry until "+d+" answers, or add an initContainer that waits for its Service")
	}
	if len(s.Sockets) > 0 {
		e.gap("sockets (hand-off across restarts)", "a Service in front of a Deployment with a readiness probe and a rolling update (maxUnavailable: 0) keeps connections answered while a pod is replaced")
	}
	if s.PortConflict != config.PortWait {
		e.gap("port_conflict: "+string(s.PortConflict), "each pod has its own network namespace: no other program holds its ports")
	}
	labels := map[string]string{"app.kubernetes.io/name": e.name, "app.kubernetes.io/part-of": "vigil"}
	meta := metav1.ObjectMeta{Name: e.name, Namespace: e.opts.Namespace, Labels: labels}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod}
	e.m.Objects = append(e.m.Objects, e.workload(meta, tmpl))
	if svc := e.service(meta); svc != nil {
		e.m.Objects = append(e.m.Objects, svc)
	}
}

// workload is a Deployment for restart: always, else a Job whose pod
// restart policy says what the watchdog's would.
func (e *exporter) workload(meta metav1.ObjectMeta, tmpl corev1.PodTemplateSpec) runtime.Object {
	r := e.svc.Restart
	if r.Policy == config.RestartAlways {
		one := int32(1)
		tmpl.Spec.RestartPolicy = corev1.RestartPolicyAlways
		return &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: meta,
			Spec: appsv1.DeploymentSpec{
				Replicas: &one,
				Selector: &metav1.LabelSelector{MatchLabels: tmpl.Labels},
				Template: tmpl,
			},
		}
	}
	backoff := int32(0)
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	if r.Policy == config.RestartOnFailure {
		backoff = int32(r.Limit.Burst)
		tmpl.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta,
		Spec:       batchv1.JobSpec{BackoffLimit: &backoff, Template: tmpl},
	}
}

func (e *exporter) container() corev1.Container {
	s := e.svc
	image := e.opts.Images[s.Name]
	if image == "" {
		image = e.opts.Image
	}
	c := corev1.Container{Name: e.name, Image: image, Command: slices.Clone(s.Command)}
	if s.Shell {
		c.Command = []string{"sh", "-c", s.Command[0]}
	}
	if !filepath.IsAbs(c.Command[0]) && strings.Contains(c.Command[0], "/") {
		c.WorkingDir = s.Dir // a relative program is found from dir
		e.gap("dir: "+s.Dir+" (command "+c.Command[0]+" is relative to it)", "workingDir is set to the same path: the image must have the program there, or give command an absolute path")
	}
	for _, p := range s.Ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: int32(p), Protocol: corev1.ProtocolTCP})
	}
	e.env(&c)
	if s.MaxMemory > 0 {
		q := resource.NewQuantity(int64(s.MaxMemory), resource.BinarySI)
		c.Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: *q}
		e.gap(fmt.Sprintf("max_memory: %d", s.MaxMemory), "resources.limits.memory is set: the kernel OOM-kills the container instead of a graceful restart")
	}
	c.LivenessProbe = e.probe("liveness", s.Health.Liveness)
	c.ReadinessProbe = e.probe("readiness", s.Health.Readiness)
	return c
}

// env writes env as it is, with ${VAR} as $(VAR) resolved from the
// service's Secret, and env_file as that Secret: no value of either reaches
// the manifests.
func (e *exporter) env(c *corev1.Container) {
	s := e.svc
	var refs []string
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: s.Env[k]})
		refs = append(refs, varRefs(s.Env[k])...)
	}
	for _, arg := range c.Command {
		refs = append(refs, varRefs(arg)...)
	}
	refs = slices.DeleteFunc(refs, func(k string) bool { _, inFile := s.SecretEnv[k]; return inFile })
	if len(refs) == 0 && len(s.SecretEnv) == 0 {
		return
	}
	slices.Sort(refs)
	sec := Secret{Name: e.name + "-env", Service: s.Name, EnvFile: s.EnvFile,
		FileKeys: slices.Sorted(maps.Keys(s.SecretEnv)), Refs: slices.Compact(refs)}
	e.m.Secrets = append(e.m.Secrets, sec)
	c.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: sec.Name}}}}
}

var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// varRefs lists the $(VAR) references in s.
func varRefs(s string) []string {
	var out []string
	for _, m := range varRef.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// VarRefs is the lookup to parse vigil.yaml with for an export: every
// ${VAR} becomes $(VAR), which Kubernetes resolves in the container from
// the service's Secret.
func VarRefs(name string) (string, bool) { return "$(" + name + ")", true }

func (e *exporter) securityContext(pod *corev1.PodSpec) {
	s := e.svc
	for _, id := range []struct{ key, val string }{{"user", s.User}, {"group", s.Group}} {
		if id.val == "" {
			continue
		}
		var n int64
		if _, err := fmt.Sscanf(id.val, "%d", &n); err != nil || fmt.Sprint(n) != id.val {
			e.gap(id.key+": "+id.val, "runAs"+map[string]string{"user": "User", "group": "Group"}[id.key]+" needs a number: set the id the image gives "+id.val)
			continue
		}
		if pod.SecurityContext == nil {
			pod.SecurityContext = &corev1.PodSecurityContext{}
		}
		if id.key == "user" {
			pod.SecurityContext.RunAsUser = &n
		} else {
			pod.SecurityContext.RunAsGroup = &n
		}
	}
}

// service is a ClusterIP Service for the service's ports, or nil.
func (e *exporter) service(meta metav1.ObjectMeta) runtime.Object {
	if len(e.svc.Ports) == 0 {
		return nil
	}
	spec := corev1.ServiceSpec{Selector: meta.Labels}
	for _, p := range e.svc.Ports {
		spec.Ports = append(spec.Ports, corev1.ServicePort{Name: fmt.Sprintf("tcp-%d", p), Port: int32(p), Protocol: corev1.ProtocolTCP})
	}
	return &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: meta, Spec: spec}
}

var notLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// objectNames maps service names to DNS-1123 labels (lower case, "-" for
// "_" and "."), refusing two services that map to the same name.
func objectNames(order []string) (map[string]string, error) {
	names := map[string]string{}
	seen := map[string]string{}
	for _, svc := range order {
		n := strings.Trim(notLabel.ReplaceAllString(strings.ToLower(svc), "-"), "-")
		if len(n) > 63 {
			n = strings.Trim(n[:63], "-")
		}
		if n == "" {
			return nil, fmt.Errorf("service %q has no letter or digit to name a Kubernetes object after: rename it", svc)
		}
		if other, ok := seen[n]; ok {
			return nil, fmt.Errorf("services %q and %q both become %q in Kubernetes (lower case, - for _ and .): rename one", other, svc, n)
		}
		seen[n], names[svc] = svc, n
	}
	return names, nil
}

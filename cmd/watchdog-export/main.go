// Command watchdog-export writes what a vigil.yaml describes in another
// system's terms. `watchdog export ...` runs it; it is its own binary because
// the Kubernetes API types would add 4 MB to the watchdog daemon's binary
// and 3 MB to its memory (docs/kubernetes.md).
//
//	watchdog-export kubernetes -c vigil.yaml [--image SERVICE=IMAGE]... [--default-image IMAGE] [--namespace NS] [-o FILE]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/kubernetes"
)

const usage = "usage: watchdog export kubernetes [-c FILE] [--image SERVICE=IMAGE]... [--default-image IMAGE] [--namespace NS] [-o FILE]"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// imageFlag collects repeated --image SERVICE=IMAGE.
type imageFlag map[string]string

func (f imageFlag) String() string { return "" }
func (f imageFlag) Set(v string) error {
	svc, img, ok := strings.Cut(v, "=")
	if !ok || svc == "" || img == "" {
		return errors.New("want SERVICE=IMAGE, e.g. --image api=registry.example.com/api:1.4")
	}
	f[svc] = img
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "kubernetes" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("export kubernetes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", defaultConfig(), "config file to export")
	images := imageFlag{}
	fs.Var(images, "image", "SERVICE=IMAGE: the container image of a service (repeatable)")
	image := fs.String("default-image", "", "image of every service without --image")
	ns := fs.String("namespace", "", "metadata.namespace of every object")
	out := fs.String("o", "", "write here instead of stdout")
	if fs.Parse(args[1:]) != nil {
		return 2
	}
	data, err := os.ReadFile(*path)
	if err != nil {
		fmt.Fprintf(stderr, "read config: %v: pass the path of vigil.yaml with -c\n", err)
		return 2
	}
	// ${VAR} stay references ($(VAR)): the exporting shell's secrets never
	// reach the manifests.
	cfg, err := config.ParseWithEnv(data, *path, kubernetes.VarRefs)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	for svc := range images {
		if cfg.Services[svc] == nil {
			fmt.Fprintf(stderr, "--image %s=…: %s has no service %q\n", svc, *path, svc)
			return 2
		}
	}
	m, err := kubernetes.Export(cfg, kubernetes.Options{Images: images, Image: *image, Namespace: *ns})
	if err != nil {
		fmt.Fprintln(stderr, "export:", err)
		return 2
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(stderr, "export:", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	if err := m.WriteYAML(w, *path); err != nil {
		fmt.Fprintln(stderr, "export:", err)
		return 1
	}
	return 0
}

// defaultConfig is $VIGIL_CONFIG or ./vigil.yaml, as for the watchdog.
func defaultConfig() string {
	if p := os.Getenv("VIGIL_CONFIG"); p != "" {
		return p
	}
	return "vigil.yaml"
}

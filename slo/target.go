package slo

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Target is one user-facing HTTP endpoint the Prober checks. A probe is good
// when the response status is in Expect (any 2xx when Expect is empty).
type Target struct {
	Name   string `json:"name" yaml:"name"`
	URL    string `json:"url" yaml:"url"`
	Method string `json:"method,omitempty" yaml:"method"` // default GET
	Expect []int  `json:"expect,omitempty" yaml:"expect"` // default: any 2xx
}

// Validate reports every problem with t.
func (t Target) Validate() error {
	var errs []error
	if t.Name == "" {
		errs = append(errs, errors.New("target has no name: set name"))
	}
	u, err := url.Parse(t.URL)
	switch {
	case t.URL == "":
		errs = append(errs, fmt.Errorf("target %q has no url: set an http:// or https:// url", t.Name))
	case err != nil:
		errs = append(errs, fmt.Errorf("target %q url: %w", t.Name, err))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("target %q url %q: scheme must be http or https", t.Name, t.URL))
	}
	for _, s := range t.Expect {
		if s < 100 || s > 599 {
			errs = append(errs, fmt.Errorf("target %q expect %d: not an HTTP status (100-599)", t.Name, s))
		}
	}
	return errors.Join(errs...)
}

func (t Target) method() string {
	if t.Method == "" {
		return http.MethodGet
	}
	return t.Method
}

// accepts reports whether status counts as a good probe.
func (t Target) accepts(status int) bool {
	if len(t.Expect) == 0 {
		return status >= 200 && status <= 299
	}
	for _, s := range t.Expect {
		if s == status {
			return true
		}
	}
	return false
}

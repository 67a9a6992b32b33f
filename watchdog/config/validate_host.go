package config

import (
	"errors"
	"io/fs"
	"os"
	"os/user"
)

// host checks one service against this host (see Config.CheckHost).
func (v *validator) host(p string, s *Service) {
	if s.Dir != "" {
		switch st, err := os.Stat(s.Dir); {
		case errors.Is(err, fs.ErrNotExist):
			v.errf(p+".dir", "working dir %s does not exist: create it or fix dir:", s.Dir)
		case err != nil:
			v.errf(p+".dir", "working dir: %v: fix its permissions or dir:", err)
		case !st.IsDir():
			v.errf(p+".dir", "working dir %s is not a directory: point dir: at a directory", s.Dir)
		}
	}
	if s.User != "" {
		if _, err := user.Lookup(s.User); err != nil {
			v.errf(p+".user", "user %q: %v: create the user on this host or fix user:", s.User, err)
		}
	}
	if s.Group != "" {
		if _, err := user.LookupGroup(s.Group); err != nil {
			v.errf(p+".group", "group %q: %v: create the group on this host or fix group:", s.Group, err)
		}
	}
}

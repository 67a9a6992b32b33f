package config

import (
	"os"
	"path/filepath"
)

// baseDir is the directory relative paths are resolved against: the config
// file's directory, or the working directory for a config without a file.
func baseDir(filename string) string {
	dir := "."
	if filename != "" {
		dir = filepath.Dir(filename)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	if wd, err := os.Getwd(); err == nil && dir == "." {
		return wd
	}
	return dir
}

// resolvePaths makes every file path absolute against base. command[0] is
// left alone: exec resolves it relative to the service's dir.
func resolvePaths(c *Config, base string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	c.API.Socket = abs(c.API.Socket)
	if c.API.StateFile == "" {
		c.API.StateFile = filepath.Join(filepath.Dir(c.API.Socket), DefaultStateFileName)
	}
	c.API.StateFile = abs(c.API.StateFile)
	c.Logs.Dir = abs(c.Logs.Dir)
	for _, s := range c.Services {
		if s.Dir == "" {
			s.Dir = base
		}
		s.Dir = abs(s.Dir)
		s.EnvFile = abs(s.EnvFile)
	}
	for i := range c.Alerts {
		if f := c.Alerts[i].File; f != nil {
			f.Path = abs(f.Path)
		}
	}
}

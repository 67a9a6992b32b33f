package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// maxEnvFile bounds how much of an env_file is read.
const maxEnvFile = 1 << 20

// envLineError is a problem on one line of an env file. Its message names the
// key at most, never the value: env files hold secrets.
type envLineError struct {
	Line int
	Msg  string
}

// readEnvFile reads KEY=VALUE lines from a regular file.
func readEnvFile(path string) (map[string]string, []envLineError, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("env file %s does not exist: create it or fix the path", path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read env file: %v: fix its permissions or the path", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("env file %s is not a regular file: point env_file at a file of KEY=VALUE lines", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read env file: %v: fix its permissions or the path", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEnvFile+1))
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read env file %s: %v", path, err)
	}
	if len(data) > maxEnvFile {
		return nil, nil, fmt.Errorf("env file %s is larger than %d bytes: keep only KEY=VALUE lines in it", path, maxEnvFile)
	}
	vars, lineErrs := parseEnvFile(data)
	return vars, lineErrs, nil
}

// parseEnvFile parses KEY=VALUE lines: blank lines and lines starting with #
// are skipped, "export " is optional, values may be 'single' (literal) or
// "double" quoted (\n, \" and \\ escapes); an unquoted value ends at " #".
func parseEnvFile(data []byte) (map[string]string, []envLineError) {
	vars := map[string]string{}
	firstLine := map[string]int{}
	var errs []envLineError
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxEnvFile+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, raw, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		switch {
		case !ok:
			errs = append(errs, envLineError{n, `line has no "=": write KEY=VALUE (the line is not shown: env files hold secrets)`})
			continue
		case !validEnvName(key):
			errs = append(errs, envLineError{n, "invalid variable name before \"=\": use letters, digits and _ (not starting with a digit)"})
			continue
		}
		val, err := envValue(strings.TrimSpace(raw))
		if err != nil {
			errs = append(errs, envLineError{n, fmt.Sprintf("key %s: %v", key, err)})
			continue
		}
		if first, dup := firstLine[key]; dup {
			errs = append(errs, envLineError{n, fmt.Sprintf("key %s is already set at line %d: keep one", key, first)})
			continue
		}
		firstLine[key] = n
		vars[key] = val
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, envLineError{0, fmt.Sprintf("cannot read: %v", err)})
	}
	return vars, errs
}

// envValue unquotes one value. Errors never include the value.
func envValue(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	switch q := s[0]; q {
	case '\'', '"':
		end := closingQuote(s, q)
		if end < 0 {
			return "", fmt.Errorf("unterminated %c quote: close the value with %c on the same line", q, q)
		}
		if rest := strings.TrimSpace(s[end+1:]); rest != "" && !strings.HasPrefix(rest, "#") {
			return "", fmt.Errorf("text after the closing quote: quote the whole value")
		}
		if q == '\'' {
			return s[1:end], nil
		}
		return unescapeDouble(s[1:end]), nil
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s, nil
}

func closingQuote(s string, q byte) int {
	for i := 1; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			return i
		}
	}
	return -1
}

func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// loadEnvFiles reads every service's env_file into SecretEnv. Line problems
// are reported against the env file itself, naming keys but never values.
func (v *validator) loadEnvFiles(c *Config) {
	for _, name := range c.serviceNames() {
		s := c.Services[name]
		if s.EnvFile == "" {
			continue
		}
		p := "services." + name + ".env_file"
		vars, lineErrs, err := readEnvFile(s.EnvFile)
		if err != nil {
			v.errf(p, "%v", err)
			continue
		}
		for _, le := range lineErrs {
			v.errs.errs = append(v.errs.errs, Error{File: s.EnvFile, Line: max(le.Line, 1), Path: p, Msg: le.Msg})
		}
		if len(vars) > 0 {
			s.SecretEnv = vars
		}
	}
}

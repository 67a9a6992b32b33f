package config

import (
	"fmt"
	"strings"
)

// LookupFunc returns the value of an environment variable and whether it is
// set; os.LookupEnv is the one Load uses.
type LookupFunc func(name string) (string, bool)

// expand replaces ${NAME} and ${NAME:-default} in s using lookup; "$$" is a
// literal "$" and any other "$" is left alone (so shell commands keep $HOME).
// A default is used when NAME is unset or empty; it is literal text.
func expand(s string, lookup LookupFunc) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf(`unterminated "${": close it with "}" or write "$$" for a literal dollar`)
			}
			val, err := expandOne(s[i+2:i+2+end], lookup)
			if err != nil {
				return "", err
			}
			b.WriteString(val)
			i += 2 + end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// expandOne resolves the inside of one ${...}.
func expandOne(ref string, lookup LookupFunc) (string, error) {
	name, def, hasDef := strings.Cut(ref, ":-")
	if !validEnvName(name) {
		return "", fmt.Errorf("invalid variable reference ${%s}: write ${NAME} or ${NAME:-default} with NAME made of letters, digits and _", ref)
	}
	if v, ok := lookup(name); ok && (v != "" || !hasDef) {
		return v, nil
	}
	if hasDef {
		return def, nil
	}
	return "", fmt.Errorf("${%s} is not set: export %s before starting vigil or write ${%s:-default}", name, name, name)
}

// validEnvName reports whether s is a portable environment variable name.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

package config

// Limits on one vigil.yaml. They keep validation and reload fast and small
// whatever the file holds; docs/config.md lists them under "Limits".
const (
	// maxFileSize is the largest config file read, in bytes (1 MiB).
	maxFileSize = 1 << 20
	// maxServices is the most services one config may define.
	maxServices = 1000
	// nodeBudget bounds the work one document can cause, aliases and merge
	// keys included, so a "billion laughs" file fails fast instead of eating
	// the watchdog's memory.
	nodeBudget = 100_000
)

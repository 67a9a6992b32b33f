package watchdog

import "github.com/vigilhq/vigil/watchdog/config"

// InstanceID names the watchdog configuration cfg runs: 12 hex digits of a
// digest of api.state_file, the same value services carry in VIGIL_INSTANCE.
// It is stable across watchdog restarts and distinct for two configurations
// on one host; with the host name it identifies a watchdog in a fleet
// (metric vigil_watchdog_info).
func InstanceID(cfg *config.Config) string { return instanceID(cfg) }

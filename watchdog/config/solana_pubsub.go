package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// SolanaPubSub opts a solana check into probing the node's PubSub
// websocket: each run subscribes to slots and needs a slot notification
// within Within. Written `pubsub: {}` for the defaults.
type SolanaPubSub struct {
	// URL is the websocket, ws:// or wss://. Default: the RPC URL with
	// port + 1 and scheme ws (wss for https), as Solana clients derive it.
	URL string `yaml:"url"`
	// Within bounds the dial, subscribe and wait for a slot notification.
	// Default (0): whatever remains of the check's timeout after the RPC
	// calls; at most the timeout.
	Within time.Duration `yaml:"within"`
}

// PubSubURL returns the websocket URL of the solana check: pubsub.url,
// or the RPC URL with port + 1 (http → ws, https → wss, path dropped).
// A RPC URL without an explicit port cannot be derived from.
func (c *SolanaCheck) PubSubURL() (string, error) {
	if c.PubSub != nil && c.PubSub.URL != "" {
		return c.PubSub.URL, nil
	}
	return DerivePubSubURL(c.URL)
}

// DerivePubSubURL turns a Solana RPC URL into its PubSub URL the way
// Solana clients do: same host, port + 1, ws or wss.
func DerivePubSubURL(rpcURL string) (string, error) {
	u, err := url.Parse(rpcURL)
	if err != nil {
		return "", fmt.Errorf("parse RPC URL: %w", err)
	}
	scheme := map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	port, perr := strconv.Atoi(u.Port())
	if scheme == "" || perr != nil || port >= 65535 {
		return "", fmt.Errorf("cannot derive the PubSub URL from %s://%s: it needs an http(s) URL with an explicit port below 65535 (the websocket is on port + 1); set pubsub.url", u.Scheme, u.Host)
	}
	return (&url.URL{Scheme: scheme, Host: net.JoinHostPort(u.Hostname(), strconv.Itoa(port+1)), Path: "/"}).String(), nil
}

// solanaPubSub validates a solana check's pubsub block (p is the check's
// path).
func (v *validator) solanaPubSub(p string, c *Check) {
	ps := c.Solana.PubSub
	if ps == nil {
		return
	}
	if ps.URL != "" {
		u, err := url.Parse(ps.URL)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			v.errf(p+".solana.pubsub.url", "%s is not an absolute ws:// or wss:// URL: write one such as ws://127.0.0.1:8900", v.asWritten(p+".solana.pubsub.url"))
		}
	} else if c.Solana.URL != "" {
		if _, err := DerivePubSubURL(c.Solana.URL); err != nil {
			v.errf(p+".solana.pubsub", "%v", err)
		}
	}
	switch {
	case ps.Within < 0:
		v.errf(p+".solana.pubsub.within", "must not be negative: 0 means the check's timeout")
	case ps.Within > 0 && c.Timeout > 0 && ps.Within > c.Timeout:
		v.errf(p+".solana.pubsub.within", "within %s is longer than timeout %s: the run would time out first; lower within or raise timeout", ps.Within, c.Timeout)
	}
}

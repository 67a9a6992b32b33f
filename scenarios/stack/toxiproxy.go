package stack

import (
	"context"
	"fmt"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Toxiproxy proxy names: cut a link with Toxi.Proxy(name) then Disable, or
// add toxics to it.
const (
	ProxyPostgres = "postgres"
	ProxySolana   = "solana"
	// ProxySolanaPubSub carries Solana's PubSub websocket (port 8900).
	ProxySolanaPubSub = "solana-pubsub"
)

const (
	toxiproxyAPIPort      = "8474/tcp"
	toxiproxyPostgresPort = "8666/tcp"
	toxiproxySolanaPort   = "8667/tcp"
	toxiproxyPubSubPort   = "8668/tcp"
)

// startToxiproxy runs Toxiproxy and creates a proxy in front of Postgres
// and, when it runs, Solana. Upstreams are the containers' network aliases.
func (s *Stack) startToxiproxy(ctx context.Context) error {
	err := s.run(ctx, spec{
		name:    Toxiproxy,
		image:   s.opts.ToxiproxyImage,
		ports:   []string{toxiproxyAPIPort, toxiproxyPostgresPort, toxiproxySolanaPort, toxiproxyPubSubPort},
		wait:    wait.ForHTTP("/version").WithPort(toxiproxyAPIPort),
		timeout: s.opts.StartTimeout,
	})
	if err != nil {
		return err
	}
	api, err := s.hostAddr(ctx, Toxiproxy, toxiproxyAPIPort)
	if err != nil {
		return err
	}
	s.Toxi = toxiclient.NewClient("http://" + api)
	proxies := [][3]string{{ProxyPostgres, "0.0.0.0:8666", Postgres + ":5432"}}
	if s.containers[Solana] != nil {
		proxies = append(proxies, [3]string{ProxySolana, "0.0.0.0:8667", Solana + ":8899"},
			[3]string{ProxySolanaPubSub, "0.0.0.0:8668", Solana + ":8900"})
	}
	for _, p := range proxies {
		if _, err := s.Toxi.CreateProxy(p[0], p[1], p[2]); err != nil {
			return fmt.Errorf("create toxiproxy proxy %s -> %s: %w", p[0], p[2], err)
		}
	}
	return nil
}

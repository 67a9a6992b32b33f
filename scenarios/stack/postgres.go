package stack

import (
	"context"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the SQL wait
	mobynet "github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

const (
	postgresPort = "5432/tcp"
	postgresUser = "postgres"
	postgresDB   = "postgres"
)

// startPostgres runs Postgres with durability on (fsync is the image's
// default; we never pass fsync=off) and waits until SELECT 1 answers.
func (s *Stack) startPostgres(ctx context.Context) error {
	return s.run(ctx, spec{
		name:  Postgres,
		image: s.opts.PostgresImage,
		env: map[string]string{
			"POSTGRES_USER":     postgresUser,
			"POSTGRES_PASSWORD": s.opts.PostgresPassword,
			"POSTGRES_DB":       postgresDB,
		},
		ports: []string{postgresPort},
		wait: wait.ForSQL(postgresPort, "pgx", func(host string, port mobynet.Port) string {
			return s.dsn(host + ":" + port.Port())
		}).WithQuery("SELECT 1"),
		timeout: s.opts.StartTimeout,
	})
}

// dsn returns the superuser DSN for a Postgres at hostPort.
func (s *Stack) dsn(hostPort string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable&connect_timeout=5",
		postgresUser, s.opts.PostgresPassword, hostPort, postgresDB)
}

// Package stack starts the chaos suite's containers on one Docker network:
// Postgres, Toxiproxy (with proxies in front of Postgres and the Solana RPC so
// links can be cut), a Solana RPC (the local solanasim or a real
// solana-test-validator) and, when configured, the application stack
// container (the watchdog supervising pgapi, bankapi and reconapi).
//
// Images are built locally by ci/images.sh (`make images`); nothing is pulled
// unless an Options/env var names an upstream image. Every container and the
// network carry the label LabelRun=<run id>; Down removes them, and Sweep
// removes leftovers of earlier runs whose process is gone (testcontainers'
// Ryuk reaper is disabled because its image cannot be pulled here).
//
// Host endpoints listen on 127.0.0.1 only. Before the first testcontainers
// call Up sets TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 and
// TESTCONTAINERS_RYUK_DISABLED=true unless the caller set them: testcontainers
// reads its configuration once per process. See docs/stack.md.
package stack

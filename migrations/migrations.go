// Package migrations embeds the versioned SQL files that build the hub's
// schema. File names are NNNN_name.sql (portable) or NNNN_name.DIALECT.sql
// (postgres or sqlite) where one dialect needs its own SQL; the runner in
// internal/store applies them in order. Imports nothing of the hub.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS

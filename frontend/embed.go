// Package frontend embeds the built web app (frontend/dist, made by
// `npm run build`) into the binary. When the app has not been built, dist
// holds only .gitkeep and the hub serves a page saying how to build it.
package frontend

import "embed"

// Dist is the built app; its files are under "dist/".
//
//go:embed all:dist
var Dist embed.FS

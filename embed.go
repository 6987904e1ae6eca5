// Package lantern embeds the asset folders into the binary, so that one file
// is all a deployment needs. go:embed cannot reach parent folders, which is
// why this file sits at the top of the module and not in app/.
package lantern

import "embed"

// Assets holds views/, locales/, static/, seed/ and api/ (the OpenAPI document).
//
//go:embed views locales static seed api
var Assets embed.FS

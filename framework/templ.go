package gox

import (
	"context"
	"io"

	"github.com/a-h/templ"

	"github.com/goxweb/gox/framework/action"
	"github.com/goxweb/gox/framework/assets"
	"github.com/goxweb/gox/framework/head"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// Asset returns the URL of a bundled asset by its logical name, for
// templates: <link rel="stylesheet" href={ gox.Asset(ctx, "app.css") }/>.
// In production the URL names the file by content hash and is cached for
// a year; a new bundle makes the pages that embed old URLs regenerate.
func Asset(ctx context.Context, name string) string {
	if a := server.FromContext(ctx); a != nil {
		return a.AssetURL(name)
	}
	return assets.Prefix + "missing/" + name
}

// ActionURL returns the form action URL of the page's action name, for
// <form method="post" action={ gox.ActionURL(ctx, "add-to-cart") }>.
func ActionURL(_ context.Context, name string) templ.SafeURL { return templ.SafeURL(action.URL(name)) }

// FieldError returns the validation message for field after a 422, or "".
func FieldError(ctx context.Context, field string) string {
	if s := action.SubmissionFrom(ctx); s != nil {
		return s.Errors.Get(field)
	}
	return ""
}

// SubmittedValue returns what the user submitted for field after a 422,
// or def when the page is not a re-render.
func SubmittedValue(ctx context.Context, field, def string) string {
	if s := action.SubmissionFrom(ctx); s != nil {
		return s.Value(field)
	}
	return def
}

// HeadTags writes the page's head inside the root layout's <head>: its
// title, description, canonical URL, robots, Open Graph and Twitter tags,
// extra meta tags and JSON-LD, from the Head of the page and of the
// layouts above it. Everything is escaped, and it is part of the cached
// page.
func HeadTags() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return head.Write(w, page.HeadOf(ctx))
	})
}

// ClientScript is the optional script that submits action forms in the
// background and swaps in the new page without a full navigation. Put it
// in a layout's <head>.
func ClientScript() templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<script src="/_gox/client.js" defer></script>`)
		return err
	})
}

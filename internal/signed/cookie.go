package signed

import "net/http"

// Cookie returns the cookie gox sets for a sealed value: sent back on
// every path of the site, never readable by scripts, sent on top-level
// navigations from other sites but not on their posts (SameSite=Lax), and
// Secure when the site is https. maxAge is in seconds; a negative one
// deletes the cookie.
func Cookie(name, value string, maxAge int, secure bool) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}
}

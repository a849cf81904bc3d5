package web

import (
	"math"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// FlashCookie carries a toast message across a POST-redirect-GET.
const FlashCookie = "refepr_flash"

// flash sets the toast message the next page shows, typically just before a
// handler redirects after a successful POST:
//
//	h.flash(w, "Allergy recorded")
//	http.Redirect(w, r, "/patients/"+id, http.StatusSeeOther)
//
// The next page rendered for this browser (any page: render reads it) shows
// the message once, as a toast with role="status" in a region labelled
// "Notifications", and clears it. Messages are plain text, at most 200
// characters; a later flash before the next page replaces an earlier one.
func (h *Handler) flash(w http.ResponseWriter, msg string) {
	msg = strings.TrimSpace(msg)
	for len(msg) > 200 {
		_, size := utf8.DecodeLastRuneInString(msg)
		msg = msg[:len(msg)-size]
	}
	if msg == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: FlashCookie, Value: url.QueryEscape(msg), Path: "/", MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// prepareView fills in what every page shows besides its own content: the
// flash message (consumed here) and the idle timeout of signed-in pages.
func (h *Handler) prepareView(w http.ResponseWriter, r *http.Request, v *view) {
	if c, err := r.Cookie(FlashCookie); err == nil {
		if msg, err := url.QueryUnescape(c.Value); err == nil && v.Flash == "" {
			v.Flash = msg
		}
		http.SetCookie(w, &http.Cookie{
			Name: FlashCookie, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, SameSite: http.SameSiteLaxMode,
		})
	}
	if v.User != nil && h.sessionTimeout > 0 {
		v.SessionTimeout = int(math.Ceil(h.sessionTimeout.Seconds()))
	}
}

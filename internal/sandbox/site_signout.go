package sandbox

import (
	"net/http"
)

func (r *Registry) handleSignoutPage(w http.ResponseWriter, req *http.Request) {
	if _, _, ok := r.currentSession(req); !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin", http.StatusFound)
		return
	}
	r.render(w, req, http.StatusOK, "signout", struct{ pageCommon }{r.localized(req, "Sign out", "")})
}

func (r *Registry) handleSignout(w http.ResponseWriter, req *http.Request) {
	if _, ok := readForm(w, req); !ok {
		return
	}
	if sess, _, ok := r.currentSession(req); ok && !r.checkFormToken(sess.ID, "signout", "", req.PostForm.Get("form_token")) {
		http.Error(w, "403 Forbidden: this sign-out form is stale; reload the page and try again", http.StatusForbidden)
		return
	}
	if err := r.endSession(w, req); err != nil {
		r.serverError(w, req, err)
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/signin", http.StatusSeeOther)
}

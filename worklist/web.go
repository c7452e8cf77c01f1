package worklist

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

// The pages are plain HTML, CSS and JavaScript embedded in the binary: they
// load nothing from elsewhere and work on a network without the internet.
//
//go:embed web
var webFS embed.FS

var pageTmpl = template.Must(template.ParseFS(webFS, "web/*.html"))

type pageData struct {
	Title      string
	Nav        string
	User       string
	CSRF       string
	CaseID     string
	LocalLogin bool
	ProxyLogin bool
	Error      string
	Next       string
	LoginToken string
	UserName   string
}

func (s *Service) mountPages(m Mux) {
	assets, _ := fs.Sub(webFS, "web/assets")
	files := http.StripPrefix("/worklist/assets/", http.FileServer(http.FS(assets)))
	m.Handle("GET /worklist/assets/", s.secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Always revalidate, so a new radflag version's scripts are used.
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})))
	m.Handle("GET /worklist", s.page("worklist.html", "Worklist", "worklist"))
	m.Handle("GET /worklist/{$}", http.RedirectHandler("/worklist", http.StatusMovedPermanently))
	m.Handle("GET /worklist/{id}", s.page("case.html", "Case", "worklist"))
	m.Handle("GET /tumor-board", s.page("board.html", "Tumour board", "board"))
	m.Handle("GET /login", s.secure(http.HandlerFunc(s.loginPage)))
	m.Handle("POST /login", s.secure(http.HandlerFunc(s.login)))
	m.Handle("POST /logout", s.secure(http.HandlerFunc(s.logout)))
}

func (s *Service) render(w http.ResponseWriter, code int, name string, d pageData) {
	var buf bytes.Buffer
	if err := pageTmpl.ExecuteTemplate(&buf, name, d); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// page serves a page to a signed-in user and sends anyone else to the login.
func (s *Service) page(name, title, nav string) http.Handler {
	return s.secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.auth.identify(r)
		if !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		s.render(w, http.StatusOK, name, pageData{
			Title: title, Nav: nav, User: p.User, CSRF: s.auth.csrfToken(p), CaseID: r.PathValue("id"),
		})
	}))
}

func (s *Service) secureCookie(r *http.Request) bool {
	return r.TLS != nil || (s.auth.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

func (s *Service) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := s.auth.identify(r); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, next, "", "")
}

// renderLogin shows the form with a fresh login token, bound to a cookie,
// so that another site cannot sign a browser in (login CSRF).
func (s *Service) renderLogin(w http.ResponseWriter, r *http.Request, code int, next, user, msg string) {
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: tok, Path: "/login", MaxAge: 900,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secureCookie(r),
	})
	s.render(w, code, "login.html", pageData{
		Title: "Sign in", Next: next, LoginToken: tok, Error: msg, UserName: user,
		LocalLogin: s.auth.localLogin(), ProxyLogin: s.auth.cfg.TrustedHeader != "",
	})
}

func (s *Service) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	user := strings.TrimSpace(r.PostForm.Get("user"))
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || c.Value != r.PostForm.Get("csrf") {
		s.renderLogin(w, r, http.StatusForbidden, next, user, "Your sign-in form expired. Please try again.")
		return
	}
	client := clientAddr(r)
	if s.auth.throttled(client) {
		s.log.Warn("login throttled", "client", client)
		s.renderLogin(w, r, http.StatusTooManyRequests, next, user, "Too many failed attempts. Wait a few minutes and try again.")
		return
	}
	if !ValidUserName(user) || !s.auth.verify(user, r.PostForm.Get("password")) {
		s.auth.recordFailure(client)
		s.log.Warn("login failed", "client", client)
		s.renderLogin(w, r, http.StatusUnauthorized, next, user, "Wrong user name or password.")
		return
	}
	val, exp := s.auth.newSession(user)
	// Lax, not Strict: a link to a case from an alert or the EHR must open
	// it signed in; cross-site POSTs still carry no cookie, and every POST
	// needs the CSRF token anyway.
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: val, Path: "/", Expires: exp,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(r),
	})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1})
	s.log.Info("login", "user", user)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Service) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	p, ok := s.auth.identify(r)
	if ok {
		tok := r.Header.Get(csrfHeader)
		if tok == "" {
			r.ParseForm()
			tok = r.PostForm.Get("csrf")
		}
		if !s.auth.checkCSRF(p, tok) {
			http.Error(w, "missing or invalid CSRF token", http.StatusForbidden)
			return
		}
		s.log.Info("logout", "user", p.User)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

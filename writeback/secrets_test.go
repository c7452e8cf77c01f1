package writeback

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWebhookErrorsHideTheURL: many webhook services put the credential in
// the URL (a secret path or ?token=). A failed POST is logged and
// dead-lettered with its error, which must therefore not quote the URL.
func TestWebhookErrorsHideTheURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	const secret = "T0SECRET/B0SECRET/xoxb-hook-credential"
	for _, u := range []string{
		"http://" + addr + "/services/" + secret,
		"http://" + addr + "/hook?token=" + secret,
		"http://user:xoxbSECRET@" + addr + "/hook",
		"http://user:" + secret + "@" + addr + "/hook", // does not parse
	} {
		a := &alerter{cfg: AlertConfig{WebhookURL: u, Secret: []byte("k"), Timeout: 2 * time.Second, HTTP: http.DefaultClient}, now: time.Now}
		err := a.post(context.Background(), []byte(`{}`), "alert:x")
		if err == nil {
			t.Fatalf("POST to a closed port succeeded")
		}
		if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "xoxb") {
			t.Errorf("error quotes the webhook URL: %v", err)
		}
		if !strings.Contains(err.Error(), "alert webhook") {
			t.Errorf("error does not say what failed: %v", err)
		}
	}
}

// TestAlertResourceURLHasNoPassword: a FHIR base URL may carry basic-auth
// credentials; the Flag URL an alert carries to the webhook must not.
func TestAlertResourceURLHasNoPassword(t *testing.T) {
	for base, want := range map[string]string{
		"https://radflag:pw-SECRET@ehr.example.org/fhir/": "https://ehr.example.org/fhir/Flag/1",
		"https://ehr.example.org/fhir":                    "https://ehr.example.org/fhir/Flag/1",
		"http://127.0.0.1:8080/fhir/R4":                   "http://127.0.0.1:8080/fhir/R4/Flag/1",
	} {
		if got := resourceURL(base, "Flag/1"); got != want {
			t.Errorf("resourceURL(%q) = %q, want %q", base, got, want)
		}
	}
}

package writeback

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/internal/metrics"
	"github.com/radflag/radflag/pipeline"
)

// StreamAlerts keeps alerts (radflag.alerts.<task>) so that the webhook
// delivery survives restarts and retries; live subscribers to the subject
// see every alert as it is published.
const StreamAlerts = "RADFLAG_ALERTS"

// Alert kinds.
const (
	AlertFlag       = "flag"        // a new (or re-activated) Flag
	AlertDeadLetter = "dead_letter" // writeback gave up on a result
)

// SignatureHeader carries the webhook signature: "t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<body>" with the shared secret>".
const SignatureHeader = "X-Radflag-Signature"

var alertsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "radflag_alerts_total",
	Help: "Alerts by task, channel (nats, webhook) and outcome (sent, duplicate, retry, dead_letter).",
}, []string{"task", "channel", "outcome"})

func init() { metrics.MustRegister(alertsTotal) }

// Alert is what navigators' tools receive, as JSON, on radflag.alerts.<task>
// and at the webhook. It names the patient by identifier (the navigator must
// act on it) and carries no report text.
type Alert struct {
	Schema int    `json:"schema"`
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Task   string `json:"task"`
	// Resource is the FHIR resource ("Flag/123") and ResourceURL its address.
	Resource        string               `json:"resource,omitempty"`
	ResourceURL     string               `json:"resource_url,omitempty"`
	ReportID        string               `json:"report_id,omitempty"`
	ReportMessageID string               `json:"report_message_id,omitempty"`
	Accession       string               `json:"accession,omitempty"`
	Label           string               `json:"label,omitempty"`
	Probability     float64              `json:"probability,omitempty"`
	Model           *pipeline.ModelRef   `json:"model,omitempty"`
	Patient         *pipeline.Identifier `json:"patient,omitempty"`
	// Reason says why a result was dead-lettered.
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// AlertConfig configures alert delivery.
type AlertConfig struct {
	// WebhookURL, when set, receives every alert as a signed JSON POST.
	WebhookURL string
	// Secret signs webhook bodies (HMAC-SHA256); required with WebhookURL.
	Secret []byte
	// Timeout bounds one POST.
	Timeout time.Duration
	// MaxDeliver is how many times a POST is tried before the alert goes to
	// radflag.dlq.alert-webhook.
	MaxDeliver int
	// BackoffMin and BackoffMax bound the delay between tries.
	BackoffMin, BackoffMax time.Duration
	// Durable names the webhook consumer.
	Durable string
	// MaxAge is how long alerts are kept on the stream.
	MaxAge time.Duration
	// HTTP posts to the webhook (nil: a plain client).
	HTTP Doer
}

func (c *AlertConfig) defaults() error {
	if c.WebhookURL != "" && len(c.Secret) == 0 {
		return errors.New("writeback: alert webhook needs a secret to sign with")
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 10
	}
	if c.BackoffMin <= 0 {
		c.BackoffMin = 2 * time.Second
	}
	if c.BackoffMax < c.BackoffMin {
		c.BackoffMax = max(5*time.Minute, c.BackoffMin)
	}
	if c.Durable == "" {
		c.Durable = "radflag-alert-webhook"
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 30 * 24 * time.Hour
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: c.Timeout}
	}
	return nil
}

type alerter struct {
	cfg AlertConfig
	bus *natsbus.Bus
	log *slog.Logger
	now func() time.Time
}

// setup creates the alerts stream (or updates it to this configuration).
func (a *alerter) setup(ctx context.Context) error {
	_, err := a.bus.JetStream().CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamAlerts,
		Description: "radflag alerts: new flags and dead letters, for the webhook and late readers",
		Subjects:    []string{natsbus.SubjectAlerts + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    a.bus.Replicas(),
		Duplicates:  24 * time.Hour,
		MaxAge:      a.cfg.MaxAge,
		Discard:     jetstream.DiscardOld,
		MaxMsgSize:  1 << 20,
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", StreamAlerts, err)
	}
	return nil
}

// publish stores an alert (de-duplicated by its id) on radflag.alerts.<task>.
func (a *alerter) publish(ctx context.Context, al *Alert) error {
	al.Schema = pipeline.SchemaVersion
	data, err := json.Marshal(al)
	if err != nil {
		return fmt.Errorf("encode alert %s: %w", al.ID, err)
	}
	hdr := nats.Header{}
	hdr.Set("Radflag-Alert-Kind", al.Kind)
	ack, err := a.bus.Publish(ctx, natsbus.SubjectAlerts+"."+al.Task, "alert:"+al.ID, data, hdr)
	if err != nil {
		alertsTotal.WithLabelValues(al.Task, "nats", OutcomeRetry).Inc()
		return fmt.Errorf("publish alert: %w", err)
	}
	if ack.Duplicate {
		alertsTotal.WithLabelValues(al.Task, "nats", "duplicate").Inc()
	} else {
		alertsTotal.WithLabelValues(al.Task, "nats", "sent").Inc()
	}
	return nil
}

func (a *alerter) deadLetter(ctx context.Context, task, msgID, reason string) error {
	return a.publish(ctx, &Alert{ID: "dlq:" + msgID, Kind: AlertDeadLetter, Task: task, Reason: reason, At: a.now().UTC()})
}

// alertFlag announces an active Flag for r.
func (w *Writer) alertFlag(ctx context.Context, tc TaskConfig, r *pipeline.Result, flag *stored) error {
	if !tc.Alert {
		return nil
	}
	m, p := r.Model, r.Patient
	al := &Alert{
		ID:              "flag:" + flag.ID + ":" + r.MsgID(),
		Kind:            AlertFlag,
		Task:            r.Task,
		Resource:        "Flag/" + flag.ID,
		ResourceURL:     resourceURL(w.cfg.FHIR.BaseURL(), "Flag/"+flag.ID),
		ReportID:        r.ReportID,
		ReportMessageID: r.ReportMessageID,
		Accession:       r.Accession,
		Label:           r.LabelName,
		Probability:     r.Probabilities[r.LabelName],
		Model:           &m,
		Patient:         &p,
		At:              w.cfg.now().UTC(),
	}
	return w.alerts.publish(ctx, al)
}

// resourceURL is a resource's URL on the FHIR server for an alert, without
// the user information a base URL may carry for basic authentication: an
// alert goes to the webhook, and on the alerts stream, in the clear.
func resourceURL(base, ref string) string {
	if u, err := url.Parse(base); err == nil {
		u.User = nil
		base = u.String()
	}
	return strings.TrimRight(base, "/") + "/" + ref
}

// Sign returns the SignatureHeader value for body at time t.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a SignatureHeader value against body, refusing a
// timestamp further than tolerance from now (replays).
func VerifySignature(secret, body []byte, header string, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("malformed signature header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature timestamp %s off by %s", ts, d)
	}
	want := Sign(secret, body, time.Unix(sec, 0))
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+sig)) {
		return errors.New("signature does not match")
	}
	return nil
}

// runWebhook delivers stored alerts to the webhook, one consumer shared by
// every writeback process.
func (a *alerter) runWebhook(ctx context.Context) error {
	cons, err := a.bus.JetStream().CreateOrUpdateConsumer(ctx, StreamAlerts, jetstream.ConsumerConfig{
		Durable:       a.cfg.Durable,
		Description:   "radflag alert webhook",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       max(30*time.Second, 3*a.cfg.Timeout),
		MaxDeliver:    -1,
		MaxAckPending: 256,
		// Only alerts from now on: a new webhook is not flooded with history.
		DeliverPolicy: jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return fmt.Errorf("alert webhook consumer: %w", err)
	}
	return runPool(ctx, cons, 4, a.log.With("consumer", a.cfg.Durable), a.deliver)
}

func (a *alerter) deliver(ctx context.Context, msg jetstream.Msg) {
	task := taskFromSubject(msg.Subject())
	delivered := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	err := a.post(ctx, msg.Data(), msg.Headers().Get(jetstream.MsgIDHeader))
	if err == nil {
		alertsTotal.WithLabelValues(task, "webhook", "sent").Inc()
		_ = msg.Ack()
		return
	}
	if delivered >= uint64(a.cfg.MaxDeliver) {
		id := msg.Headers().Get(jetstream.MsgIDHeader)
		if derr := a.bus.DeadLetter(ctx, "alert-webhook", id, msg.Data(), err.Error()); derr != nil {
			a.log.Error("alert webhook dead-letter failed; will retry", "err", derr)
			_ = msg.NakWithDelay(a.cfg.BackoffMax)
			return
		}
		a.log.Error("alert webhook gave up", "task", task, "deliveries", delivered, "err", err)
		alertsTotal.WithLabelValues(task, "webhook", OutcomeDeadLetter).Inc()
		_ = msg.Ack()
		return
	}
	alertsTotal.WithLabelValues(task, "webhook", OutcomeRetry).Inc()
	a.log.Warn("alert webhook failed; will retry", "task", task, "delivery", delivered, "err", err)
	_ = msg.NakWithDelay(backoff(a.cfg.BackoffMin, a.cfg.BackoffMax, delivered))
}

func (a *alerter) post(ctx context.Context, body []byte, id string) error {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		// Not %w: url's parse error quotes the URL, and a webhook's URL
		// often is its credential (a secret path or ?token=).
		return errors.New("alert webhook: the webhook URL does not parse")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(a.cfg.Secret, body, a.now()))
	req.Header.Set("X-Radflag-Alert-Id", strings.TrimPrefix(id, "alert:"))
	resp, err := a.cfg.HTTP.Do(req)
	if err != nil {
		// The client's *url.Error quotes the URL: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("alert webhook: POST: %w", ue.Err)
		}
		return fmt.Errorf("alert webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("alert webhook: HTTP %d", resp.StatusCode)
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/config"
	"github.com/radflag/radflag/internal/buildinfo"
	"github.com/radflag/radflag/internal/httpserver"
	"github.com/radflag/radflag/internal/metrics"
)

func init() {
	register(command{name: "serve", usage: "run radflag (all roles on embedded NATS by default)", run: runServe})
}

// component is one long-running part of serve. Run returns when ctx is
// cancelled and its in-flight work is finished.
type component struct {
	name string
	run  func(ctx context.Context) error
}

// roleStarter adds the components of one role. Roles register themselves
// in the files that implement them (serve_*.go).
type roleStarter func(ctx context.Context, env *serveEnv) ([]component, error)

var roleStarters = map[string]roleStarter{}

// serveEnv is what every role may use.
type serveEnv struct {
	cfg  *config.Config
	bus  *natsbus.Bus
	http *httpserver.Server
	log  *slog.Logger
	// closers run after every component has stopped, before the bus closes.
	closers []func() error
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := config.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg, err := config.Load(flags, os.Environ())
	if err != nil {
		return err
	}
	return serve(ctx, cfg, newLogger(cfg.Log, stderr))
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serve runs the configured roles until ctx is cancelled, then stops
// accepting, lets in-flight work finish, flushes the bus and returns.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	bi := buildinfo.Get()
	log.Info("radflag starting", "version", bi.Version, "commit", bi.Commit, "roles", strings.Join(cfg.Roles, ","))
	bus, err := natsbus.Open(ctx, natsbus.Config{
		URL:            cfg.NATS.URL,
		DataDir:        filepath.Join(cfg.DataDir, "nats"),
		EmbeddedListen: cfg.NATS.EmbeddedListen,
		CredsFile:      cfg.NATS.CredsFile,
		Replicas:       cfg.NATS.Replicas,
		DedupWindow:    cfg.NATS.DedupWindow.D(),
		MaxAge:         cfg.NATS.MaxAge.D(),
		MaxBytes:       cfg.NATS.MaxBytes,
		PublishTimeout: cfg.NATS.PublishTimeout.D(),
		Logger:         log,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := bus.Close(); err != nil {
			log.Warn("close bus", "err", err)
		}
	}()
	registerBuildInfo()
	streams := natsbus.StreamCollector{Bus: bus}
	metrics.Registry.MustRegister(streams)
	defer metrics.Registry.Unregister(streams)

	hs, err := httpserver.New(httpserver.Config{
		Addr:              cfg.HTTP.Addr,
		CertFile:          cfg.HTTP.TLS.CertFile,
		KeyFile:           cfg.HTTP.TLS.KeyFile,
		ClientCAFile:      cfg.HTTP.TLS.ClientCAFile,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout.D(),
		ReadTimeout:       cfg.HTTP.ReadTimeout.D(),
		WriteTimeout:      cfg.HTTP.WriteTimeout.D(),
		IdleTimeout:       cfg.HTTP.IdleTimeout.D(),
		ShutdownTimeout:   cfg.HTTP.ShutdownTimeout.D(),
		Ready:             bus.Ready,
		Registry:          metrics.Registry,
		Logger:            log,
	})
	if err != nil {
		return err
	}
	env := &serveEnv{cfg: cfg, bus: bus, http: hs, log: log}
	comps := []component{{name: "http", run: hs.Serve}}
	for _, role := range config.AllRoles {
		if !cfg.HasRole(role) {
			continue
		}
		start, ok := roleStarters[role]
		if !ok {
			log.Warn("role not implemented in this build; skipped", "role", role)
			continue
		}
		cs, err := start(ctx, env)
		if err != nil {
			runClosers(env, log)
			return fmt.Errorf("start role %s: %w", role, err)
		}
		comps = append(comps, cs...)
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range comps {
		g.Go(func() error {
			if err := c.run(gctx); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			return nil
		})
	}
	log.Info("radflag ready", "http", hs.Addr().String())
	err = g.Wait()
	runClosers(env, log)
	if err != nil {
		return err
	}
	log.Info("radflag stopped cleanly")
	return nil
}

func runClosers(env *serveEnv, log *slog.Logger) {
	for i := len(env.closers) - 1; i >= 0; i-- {
		if err := env.closers[i](); err != nil {
			log.Warn("close", "err", err)
		}
	}
	env.closers = nil
}
